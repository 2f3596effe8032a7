#include "domain/text.hpp"

#include <cstdint>
#include <optional>

#include "util/utf8.hpp"

namespace confab::domain {
namespace {

bool IsWhiteSpace(uint32_t cp) {
  return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
         (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F ||
         cp == 0x3000;
}

}  // namespace

size_t CodePointCount(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<uint8_t>(c) & 0xC0) != 0x80;
  return n;
}

bool IsBlank(std::string_view s) {
  // A malformed sequence (never produced by the JSON parser, which checks UTF-8) is not blank.
  for (size_t i = 0; i < s.size();) {
    const std::optional<uint32_t> cp = NextCodePoint(s, &i);
    if (!cp || !IsWhiteSpace(*cp)) return false;
  }
  return true;
}

}  // namespace confab::domain
