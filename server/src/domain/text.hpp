#pragma once
// Text measures shared by the rules: lengths in Unicode code points and "blank", defined exactly as
// web/src/domain/text.ts defines them so both sides reject the same strings.
#include <cstddef>
#include <string_view>

namespace confab::domain {

// Number of code points in UTF-8 `s` (bytes that are not continuation bytes).
size_t CodePointCount(std::string_view s);

// True when `s` is empty or only Unicode White_Space code points (U+0009–000D, U+0020, U+0085,
// U+00A0, U+1680, U+2000–200A, U+2028, U+2029, U+202F, U+205F, U+3000).
bool IsBlank(std::string_view s);

}  // namespace confab::domain
