#include "net/socket_upgrade.hpp"

namespace confab::net {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

bool IsSupportedVsn(const std::map<std::string, std::string>& query) {
  auto it = query.find("vsn");
  return it != query.end() && it->second.size() > 2 && it->second.compare(0, 2, "2.") == 0;
}

bool OffersPhoenixSubprotocol(std::string_view header) {
  for (;;) {
    size_t comma = header.find(',');
    if (Trim(header.substr(0, comma)) == "phoenix") return true;
    if (comma == std::string_view::npos) return false;
    header.remove_prefix(comma + 1);
  }
}

}  // namespace confab::net
