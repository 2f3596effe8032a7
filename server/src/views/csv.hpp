#pragma once
// CSV as RFC 4180 wants it, made safe for spreadsheets: UTF-8 with a byte-order mark, CRLF line
// ends, fields quoted when they hold a comma, quote, CR or LF (quotes doubled), and cells that a
// spreadsheet would run as a formula (starting with = + - @, TAB or CR) prefixed with a single quote.
// Pure functions, safe from any thread.
#include <string>
#include <string_view>
#include <vector>

namespace confab::views {

inline constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";

// Appends one field, escaped, to `out` (no separator).
void AppendCsvField(std::string_view field, std::string* out);
// Appends a whole record: fields joined by commas, terminated by CRLF.
void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out);

}  // namespace confab::views
