// Client addresses: the peer, or the last X-Forwarded-For entry when the peer is a trusted proxy.
#include "net/client_address.hpp"

#include <gtest/gtest.h>

namespace confab::net {
namespace {

namespace ip = boost::asio::ip;

ip::address A(const char* s) {
  return ip::make_address(s);
}

TEST(ClientAddress, AnUntrustedPeerIsTheClientWhateverItForwards) {
  EXPECT_EQ(ClientAddress(A("10.0.0.9"), {A("127.0.0.1")}, {"1.2.3.4"}), A("10.0.0.9"));
  EXPECT_EQ(ClientAddress(A("10.0.0.9"), {}, {}), A("10.0.0.9"));
}

TEST(ClientAddress, ATrustedProxyNamesTheClientInItsLastEntry) {
  const std::vector<ip::address> trusted{A("127.0.0.1"), A("::1")};
  // Earlier entries came from the client and are ignored; so are earlier header lines.
  EXPECT_EQ(ClientAddress(A("127.0.0.1"), trusted, {"6.6.6.6, 10.1.2.3"}), A("10.1.2.3"));
  EXPECT_EQ(ClientAddress(A("127.0.0.1"), trusted, {"6.6.6.6", " 10.1.2.3 "}), A("10.1.2.3"));
  EXPECT_EQ(ClientAddress(A("::1"), trusted, {"2001:db8::7"}), A("2001:db8::7"));
  EXPECT_EQ(ClientAddress(A("::1"), trusted, {"[2001:db8::7]"}), A("2001:db8::7"));
  // No header, or a last entry that is no address: the proxy itself.
  EXPECT_EQ(ClientAddress(A("127.0.0.1"), trusted, {}), A("127.0.0.1"));
  EXPECT_EQ(ClientAddress(A("127.0.0.1"), trusted, {"1.2.3.4, unknown"}), A("127.0.0.1"));
  EXPECT_EQ(ClientAddress(A("127.0.0.1"), trusted, {"1.2.3.4,"}), A("127.0.0.1"));
}

TEST(ClientAddress, V4MappedAddressesArePlainIpv4) {
  EXPECT_EQ(Normalize(A("::ffff:10.0.0.1")), A("10.0.0.1"));
  EXPECT_EQ(ClientAddress(A("::ffff:127.0.0.1"), {A("127.0.0.1")}, {"::ffff:10.0.0.2"}), A("10.0.0.2"));
  EXPECT_EQ(Normalize(A("::1")), A("::1"));
}

TEST(ClientAddress, TrustedProxiesParse) {
  std::vector<ip::address> out;
  std::string bad;
  ASSERT_TRUE(ParseTrustedProxies({"127.0.0.1", " ::1", ""}, &out, &bad));
  EXPECT_EQ(out, (std::vector<ip::address>{A("127.0.0.1"), A("::1")}));
  EXPECT_FALSE(ParseTrustedProxies({"127.0.0.1", "proxy.local"}, &out, &bad));
  EXPECT_EQ(bad, "proxy.local");
}

}  // namespace
}  // namespace confab::net
