#pragma once
// Small text helpers shared by the audit and the summary. Pure, safe from any thread.
#include <cstdint>
#include <string>
#include <string_view>

namespace confab::views {

// User text on one line: every control character (CR, LF, TAB, …) becomes a space.
std::string OneLine(std::string_view text);

// A duration as minutes:seconds, seconds truncated: 750'000 ms -> "12:30"; minutes grow past 59
// ("75:03"). `min_minute_digits` pads minutes with zeros ("05:00" with 2, "5:00" with 1).
std::string FormatMinSec(int64_t ms, int min_minute_digits = 2);

}  // namespace confab::views
