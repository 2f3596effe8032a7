#include "net/client_address.hpp"

#include <algorithm>

namespace confab::net {

namespace ip = boost::asio::ip;

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ParseAddress(std::string_view text, ip::address* out) {
  text = Trim(text);
  if (text.size() > 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
  boost::system::error_code ec;
  auto a = ip::make_address(std::string(text), ec);
  if (ec) return false;
  *out = Normalize(a);
  return true;
}

}  // namespace

ip::address Normalize(const ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped()) return ip::make_address_v4(ip::v4_mapped, a.to_v6());
  return a;
}

bool LastForwardedFor(const std::vector<std::string_view>& headers, ip::address* out) {
  // The last non-empty header line holds the last entry (a proxy adds a line or appends to the last).
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    std::string_view line = Trim(*it);
    if (line.empty()) continue;
    const size_t comma = line.rfind(',');
    return ParseAddress(comma == std::string_view::npos ? line : line.substr(comma + 1), out);
  }
  return false;
}

bool IsTrusted(const ip::address& peer, const std::vector<ip::address>& trusted) {
  return std::find(trusted.begin(), trusted.end(), peer) != trusted.end();
}

ip::address ClientAddress(const ip::address& peer, const std::vector<ip::address>& trusted_proxies,
                          const std::vector<std::string_view>& headers) {
  const ip::address p = Normalize(peer);
  if (!IsTrusted(p, trusted_proxies)) return p;
  ip::address forwarded;
  return LastForwardedFor(headers, &forwarded) ? forwarded : p;
}

bool ParseTrustedProxies(const std::vector<std::string>& text, std::vector<ip::address>* out,
                         std::string* bad) {
  out->clear();
  for (const std::string& t : text) {
    if (Trim(t).empty()) continue;  // "a,,b" or a trailing comma
    ip::address a;
    if (!ParseAddress(t, &a)) {
      *bad = t;
      return false;
    }
    out->push_back(a);
  }
  return true;
}

}  // namespace confab::net
