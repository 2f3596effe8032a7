#pragma once
// Who a request comes from: the peer address of its connection, or, when that peer is a trusted proxy
// (Quotas::trusted_proxies, e.g. HAProxy with `option forwardfor`), the last address of
// X-Forwarded-For: the one that proxy appended. Earlier entries were written by whoever sent the
// request and prove nothing. A trusted peer that names no usable address is the client itself.
// Pure functions, tested without a socket.
#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace confab::net {

// IPv4-mapped IPv6 (::ffff:a.b.c.d, what a dual-stack socket reports) as plain IPv4, so one client
// has one address whichever way it came in.
boost::asio::ip::address Normalize(const boost::asio::ip::address& a);

// The last address of the X-Forwarded-For values `headers` (in order; each may be a comma-separated
// list). False when the last entry is not an IP address ("unknown", a host name, empty).
bool LastForwardedFor(const std::vector<std::string_view>& headers, boost::asio::ip::address* out);

// The client address of a request from `peer` with those X-Forwarded-For `headers`.
boost::asio::ip::address ClientAddress(const boost::asio::ip::address& peer,
                                       const std::vector<boost::asio::ip::address>& trusted_proxies,
                                       const std::vector<std::string_view>& headers);

bool IsTrusted(const boost::asio::ip::address& peer, const std::vector<boost::asio::ip::address>& trusted);

// Parses --trusted-proxies; false (with the offending entry in `bad`) when one is not an IP address.
bool ParseTrustedProxies(const std::vector<std::string>& text, std::vector<boost::asio::ip::address>* out,
                         std::string* bad);

}  // namespace confab::net
