#include "views/text_format.hpp"

#include <cstdio>

namespace confab::views {

std::string OneLine(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = ' ';
  }
  return out;
}

std::string FormatMinSec(int64_t ms, int min_minute_digits) {
  if (ms < 0) ms = 0;
  const int64_t s = ms / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld:%02lld", min_minute_digits, static_cast<long long>(s / 60),
                static_cast<long long>(s % 60));
  return buf;
}

}  // namespace confab::views
