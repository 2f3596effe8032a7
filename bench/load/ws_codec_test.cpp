#include "ws_codec.hpp"

#include <gtest/gtest.h>

namespace confab::bench {
namespace {

std::string ServerFrame(uint8_t first, std::string_view payload) {
  std::string f(1, static_cast<char>(first));
  if (payload.size() < 126) {
    f += static_cast<char>(payload.size());
  } else if (payload.size() <= 0xFFFF) {
    f += static_cast<char>(126);
    f += static_cast<char>(payload.size() >> 8);
    f += static_cast<char>(payload.size() & 0xFF);
  } else {
    f += static_cast<char>(127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((payload.size() >> (8 * i)) & 0xFF);
  }
  return f + std::string(payload);
}

TEST(WsUpgrade, RequestNamesTargetHostAndVersion) {
  std::string r = WsUpgradeRequest("127.0.0.1:4000", "/socket/websocket?vsn=2.0.0");
  EXPECT_EQ(r.rfind("GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\n", 0), 0u);
  EXPECT_NE(r.find("Host: 127.0.0.1:4000\r\n"), std::string::npos);
  EXPECT_NE(r.find("Sec-WebSocket-Version: 13\r\n"), std::string::npos);
  EXPECT_EQ(r.substr(r.size() - 4), "\r\n\r\n");
}

TEST(WsUpgrade, ResponseNeedsTheBlankLineAnd101) {
  size_t len = 0;
  EXPECT_EQ(ParseWsUpgradeResponse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", &len),
            WsHandshake::kIncomplete);
  std::string ok = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
  EXPECT_EQ(ParseWsUpgradeResponse(ok + "\x81\x02hi", &len), WsHandshake::kAccepted);
  EXPECT_EQ(len, ok.size());
  EXPECT_EQ(ParseWsUpgradeResponse("HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n", &len),
            WsHandshake::kRejected);
}

TEST(WsClientFrame, MasksPayloadAndEncodesEachLengthForm) {
  for (size_t n : {0u, 5u, 125u, 126u, 65535u, 65536u}) {
    std::string payload(n, 'x');
    std::string out;
    AppendWsClientFrame(&out, WsOpcode::kText, payload, 0x01020304);
    auto b = reinterpret_cast<const uint8_t*>(out.data());
    EXPECT_EQ(b[0], 0x81);
    EXPECT_TRUE(b[1] & 0x80) << "client frames must be masked";
    size_t head = n < 126 ? 2 : n <= 0xFFFF ? 4 : 10;
    ASSERT_EQ(out.size(), head + 4 + n);
    const uint8_t key[4] = {1, 2, 3, 4};
    for (size_t i = 0; i < n; ++i) ASSERT_EQ(static_cast<uint8_t>(out[head + 4 + i] ^ key[i & 3]), 'x');
  }
}

TEST(WsServerFrame, ParsesEachLengthFormAndReportsPartialFrames) {
  for (size_t n : {0u, 3u, 125u, 126u, 70000u}) {
    std::string f = ServerFrame(0x81, std::string(n, 'y'));
    WsFrame out;
    EXPECT_EQ(ParseWsServerFrame(f, &out), static_cast<long>(f.size()));
    EXPECT_EQ(out.opcode, WsOpcode::kText);
    EXPECT_TRUE(out.fin);
    EXPECT_EQ(out.payload.size(), n);
    for (size_t cut = 0; cut < f.size(); cut += std::max<size_t>(1, f.size() / 7))
      EXPECT_EQ(ParseWsServerFrame(std::string_view(f).substr(0, cut), &out), 0) << "cut at " << cut;
  }
}

TEST(WsServerFrame, TwoFramesInOneBuffer) {
  std::string two = ServerFrame(0x01, "ab") + ServerFrame(0x80, "cd");
  WsFrame f;
  long n = ParseWsServerFrame(two, &f);
  ASSERT_EQ(n, 4);
  EXPECT_FALSE(f.fin);
  EXPECT_EQ(f.payload, "ab");
  ASSERT_EQ(ParseWsServerFrame(std::string_view(two).substr(n), &f), 4);
  EXPECT_TRUE(f.fin);
  EXPECT_EQ(f.opcode, WsOpcode::kContinuation);
  EXPECT_EQ(f.payload, "cd");
}

TEST(WsServerFrame, RejectsMaskedReservedAndOversizedControlFrames) {
  WsFrame f;
  EXPECT_EQ(ParseWsServerFrame(std::string("\x81\x82\0\0\0\0ab", 8), &f), -1);  // masked
  EXPECT_EQ(ParseWsServerFrame(ServerFrame(0xC1, "x"), &f), -1);                // RSV1 without deflate
  EXPECT_EQ(ParseWsServerFrame(ServerFrame(0x89, std::string(126, 'p')), &f), -1);
  EXPECT_EQ(ParseWsServerFrame(ServerFrame(0x09, "p"), &f), -1);  // fragmented ping
  EXPECT_EQ(ParseWsServerFrame(ServerFrame(0x83, "x"), &f), -1);  // reserved data opcode
}

}  // namespace
}  // namespace confab::bench
