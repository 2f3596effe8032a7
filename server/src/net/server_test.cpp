#include "net/server.hpp"

#include <gtest/gtest.h>

namespace confab::net {
namespace {

struct Listen {
  bool ok;
  std::string host;
  unsigned short port;
};

Listen Parse(const std::string& text) {
  Listen l{false, "unchanged", 7};
  l.ok = ParseListen(text, &l.host, &l.port);
  return l;
}

TEST(ParseListen, HostAndPort) {
  Listen l = Parse("127.0.0.1:4000");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.host, "127.0.0.1");
  EXPECT_EQ(l.port, 4000);
  l = Parse("0.0.0.0:80");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.host, "0.0.0.0");
  EXPECT_EQ(l.port, 80);
}

TEST(ParseListen, PortBounds) {
  EXPECT_EQ(Parse("127.0.0.1:0").port, 0);  // 0: the OS picks a free port
  EXPECT_TRUE(Parse("127.0.0.1:0").ok);
  EXPECT_EQ(Parse("127.0.0.1:65535").port, 65535);
  EXPECT_FALSE(Parse("127.0.0.1:65536").ok);
  EXPECT_FALSE(Parse("127.0.0.1:99999999999").ok);
}

TEST(ParseListen, BracketedIpv6) {
  Listen l = Parse("[::1]:4000");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.host, "::1");
  EXPECT_EQ(l.port, 4000);
  l = Parse("[fe80::1:2]:8080");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.host, "fe80::1:2");
  EXPECT_EQ(l.port, 8080);
}

TEST(ParseListen, UnbracketedIpv6TakesTheLastColonAsThePort) {
  Listen l = Parse("::1:4000");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.host, "::1");
  EXPECT_EQ(l.port, 4000);
}

TEST(ParseListen, Malformed) {
  for (const char* bad :
       {"", "4000", "127.0.0.1", "127.0.0.1:", ":4000", "127.0.0.1:-1", "127.0.0.1:+80", "127.0.0.1: 80",
        "127.0.0.1:80 ", "127.0.0.1:80x", "127.0.0.1:0x50", "[::1]", "[::1]:", "[]:80", "[::1:80"}) {
    Listen l = Parse(bad);
    EXPECT_FALSE(l.ok) << "'" << bad << "'";
    EXPECT_EQ(l.host, "unchanged") << "outputs untouched on failure: '" << bad << "'";
    EXPECT_EQ(l.port, 7) << bad;
  }
}

TEST(ParseListen, NamesAreLeftToTheAddressCheck) {
  // ParseListen splits only; Serve then refuses what is not an IP address (exit code 2).
  Listen l = Parse("localhost:4000");
  ASSERT_TRUE(l.ok);
  EXPECT_EQ(l.host, "localhost");
}

}  // namespace
}  // namespace confab::net
