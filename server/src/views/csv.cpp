#include "views/csv.hpp"

namespace confab::views {

void AppendCsvField(std::string_view field, std::string* out) {
  // OWASP "CSV injection": a leading quote makes the cell text in Excel, LibreOffice and Sheets.
  const bool formula = !field.empty() && (field[0] == '=' || field[0] == '+' || field[0] == '-' ||
                                          field[0] == '@' || field[0] == '\t' || field[0] == '\r');
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos;
  if (quote) out->push_back('"');
  if (formula) out->push_back('\'');
  for (char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  if (quote) out->push_back('"');
}

void AppendCsvRecord(const std::vector<std::string>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvField(fields[i], out);
  }
  out->append("\r\n");
}

}  // namespace confab::views
