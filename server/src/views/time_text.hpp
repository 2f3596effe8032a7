#pragma once
// Time as text for the views: ISO-8601 UTC rendering of event timestamps and parsing of the
// `from`/`to` query parameters. Pure functions, safe from any thread.
#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.hpp"

namespace confab::views {

constexpr int64_t kMsPerDay = 86'400'000;

// "2024-11-28T10:05:00.123Z" for ms since the Unix epoch (negative values work too).
std::string FormatIsoMs(int64_t ms);
// "2024-11-28": the UTC day holding `ms`.
std::string FormatUtcDay(int64_t ms);
// The UTC day number (days since 1970-01-01, floor) of `ms`.
int64_t UtcDayOf(int64_t ms);

// Parses a time bound: plain ms ("1732770000123"), a date ("2024-11-28", UTC midnight), or a
// date-time ("2024-11-28T10:05:00Z", "…T10:05:00.123+02:00", "…T10:05Z"). A bare date used as an
// upper bound (`end_of_day`) means the end of that day, i.e. the next UTC midnight, so that
// `to=2024-11-28` includes the whole day in a half-open range [from, to). Invalid when malformed.
Status ParseTimeBound(std::string_view text, bool end_of_day, int64_t* out_ms);

}  // namespace confab::views
