#include "views/time_text.hpp"

#include <cstdio>

namespace confab::views {
namespace {

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

// Reads exactly `n` digits at `*pos`.
bool Digits(std::string_view s, size_t* pos, size_t n, int64_t* out) {
  if (*pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

int64_t UtcDayOf(int64_t ms) {
  return FloorDiv(ms, kMsPerDay);
}

std::string FormatUtcDay(int64_t ms) {
  int64_t y;
  unsigned m, d;
  CivilFromDays(UtcDayOf(ms), &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

std::string FormatIsoMs(int64_t ms) {
  const int64_t day = UtcDayOf(ms);
  const int64_t in_day = ms - day * kMsPerDay;
  int64_t y;
  unsigned m, d;
  CivilFromDays(day, &y, &m, &d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y),
                m, d, static_cast<long long>(in_day / 3'600'000),
                static_cast<long long>(in_day / 60'000 % 60), static_cast<long long>(in_day / 1000 % 60),
                static_cast<long long>(in_day % 1000));
  return buf;
}

Status ParseTimeBound(std::string_view s, bool end_of_day, int64_t* out_ms) {
  if (s.empty()) return Status::Invalid("empty time");
  if (s.find_first_not_of("0123456789") == std::string_view::npos ||
      (s[0] == '-' && s.size() > 1 && s.find_first_not_of("0123456789", 1) == std::string_view::npos)) {
    if (s.size() > 16) return Status::Invalid("time out of range");
    *out_ms = std::stoll(std::string(s));
    return Status::Ok();
  }
  const Status bad = Status::Invalid("expected ms, YYYY-MM-DD or ISO-8601 date-time");
  size_t pos = 0;
  int64_t y, mo, d;
  if (!Digits(s, &pos, 4, &y) || !Expect(s, &pos, '-') || !Digits(s, &pos, 2, &mo) || !Expect(s, &pos, '-') ||
      !Digits(s, &pos, 2, &d)) {
    return bad;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, static_cast<unsigned>(mo))) return bad;
  const int64_t day = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  if (pos == s.size()) {
    *out_ms = (day + (end_of_day ? 1 : 0)) * kMsPerDay;
    return Status::Ok();
  }
  if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return bad;
  ++pos;
  int64_t hh, mm, ss = 0, frac = 0;
  if (!Digits(s, &pos, 2, &hh) || !Expect(s, &pos, ':') || !Digits(s, &pos, 2, &mm)) return bad;
  if (pos < s.size() && s[pos] == ':') {
    ++pos;
    if (!Digits(s, &pos, 2, &ss)) return bad;
    if (pos < s.size() && s[pos] == '.') {
      ++pos;
      // Milliseconds: keep three digits, ignore finer ones.
      size_t n = 0;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
        if (n < 3) frac = frac * 10 + (s[pos] - '0');
        ++n, ++pos;
      }
      if (n == 0) return bad;
      for (; n < 3; ++n) frac *= 10;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return bad;
  int64_t offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    const int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int64_t oh, om = 0;
    if (!Digits(s, &pos, 2, &oh)) return bad;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (pos < s.size() && !Digits(s, &pos, 2, &om)) return bad;
    if (oh > 23 || om > 59) return bad;
    offset_min = sign * (oh * 60 + om);
  }  // no designator: taken as UTC
  if (pos != s.size()) return bad;
  *out_ms = day * kMsPerDay + ((hh * 60 + mm - offset_min) * 60 + ss) * 1000 + frac;
  return Status::Ok();
}

}  // namespace confab::views
