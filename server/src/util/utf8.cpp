#include "util/utf8.hpp"

#include <cstring>

namespace confab {

std::optional<uint32_t> NextCodePoint(std::string_view s, size_t* i) {
  const auto* p = reinterpret_cast<const uint8_t*>(s.data()) + *i;
  const size_t left = s.size() - *i;
  const uint8_t c = p[0];
  if (c < 0x80) {
    ++*i;
    return c;
  }
  // The lead byte fixes the length and the range of the second byte (RFC 3629 §4): narrowing that range
  // is what rules out overlong forms (E0, F0), surrogates (ED) and values past U+10FFFF (F4).
  size_t len;
  uint8_t lo = 0x80, hi = 0xBF;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2, cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3, cp = c & 0x0F;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4, cp = c & 0x07;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    ++*i;  // a continuation byte first, the overlong leads C0/C1, or F5..FF (once 5- and 6-byte forms)
    return std::nullopt;
  }
  if (left < len || p[1] < lo || p[1] > hi) {
    ++*i;
    return std::nullopt;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((p[k] & 0xC0) != 0x80) {
      ++*i;
      return std::nullopt;
    }
    cp = (cp << 6) | (p[k] & 0x3F);
  }
  *i += len;
  return cp;
}

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if (s.size() - i >= 8) {
      uint64_t word;
      std::memcpy(&word, s.data() + i, 8);
      if ((word & 0x8080808080808080ULL) == 0) {
        i += 8;
        continue;
      }
    }
    if (!NextCodePoint(s, &i)) return false;
  }
  return true;
}

}  // namespace confab
