#include "net/ws_frame.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "util/utf8.hpp"

namespace confab::net::ws {
namespace {

// A client frame as a browser would send it: masked with `key`.
std::string ClientFrame(uint8_t first_byte, std::string_view payload, bool masked = true,
                        uint32_t key = 0x37FA213D) {
  std::string f;
  f.push_back(static_cast<char>(first_byte));
  const uint8_t mask_bit = masked ? 0x80 : 0;
  if (payload.size() <= 125) {
    f.push_back(static_cast<char>(mask_bit | payload.size()));
  } else if (payload.size() <= 0xFFFF) {
    f.push_back(static_cast<char>(mask_bit | 126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xFF));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>((uint64_t{payload.size()} >> (8 * i)) & 0xFF));
  }
  const uint8_t mask[4] = {static_cast<uint8_t>(key >> 24), static_cast<uint8_t>(key >> 16),
                           static_cast<uint8_t>(key >> 8), static_cast<uint8_t>(key)};
  if (masked) f.append(reinterpret_cast<const char*>(mask), 4);
  for (size_t i = 0; i < payload.size(); ++i) {
    f.push_back(masked ? static_cast<char>(payload[i] ^ mask[i & 3]) : payload[i]);
  }
  return f;
}

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kText = 0x1, kBinary = 0x2, kCont = 0x0, kClose = 0x8, kPing = 0x9, kPong = 0xA;

std::string CloseBody(uint16_t code, std::string_view reason = {}) {
  std::string b{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  b.append(reason);
  return b;
}

// What the parser made of a byte stream, as owned copies.
struct Seen {
  FrameParser::Event::Kind kind;
  bool text = false;
  uint16_t code = 0;
  std::string payload;
  bool operator==(const Seen&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Seen& s) {
  return os << "{kind " << s.kind << " text " << s.text << " code " << s.code << " payload '" << s.payload
            << "'}";
}

// Feeds `wire` in pieces cut at `cuts` (ascending offsets) and collects every event but kNeedMore.
std::vector<Seen> Parse(std::string wire, const std::vector<size_t>& cuts, size_t max = 1 << 20) {
  FrameParser parser(max);
  std::vector<Seen> seen;
  size_t start = 0;
  std::vector<size_t> ends = cuts;
  ends.push_back(wire.size());
  for (size_t end : ends) {
    // Each read lands in a fresh buffer, as it would from a reused socket buffer.
    std::string chunk = wire.substr(start, end - start);
    start = end;
    char* data = chunk.data();
    size_t size = chunk.size();
    for (;;) {
      auto e = parser.Next(&data, &size);
      if (e.kind == FrameParser::Event::kNeedMore) break;
      seen.push_back(Seen{e.kind, e.text, e.code, std::string(e.payload)});
      if (e.kind == FrameParser::Event::kClose || e.kind == FrameParser::Event::kError) return seen;
    }
    EXPECT_EQ(size, 0u);
  }
  return seen;
}

std::vector<Seen> ParseWhole(const std::string& wire, size_t max = 1 << 20) {
  return Parse(wire, {}, max);
}

// The result must not depend on how the bytes were split: one cut at every offset, then every byte alone.
void ExpectSameAtEverySplit(const std::string& wire, const std::vector<Seen>& expected,
                            size_t max = 1 << 20) {
  EXPECT_EQ(ParseWhole(wire, max), expected);
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    ASSERT_EQ(Parse(wire, {cut}, max), expected) << "cut at " << cut;
  }
  std::vector<size_t> every;
  for (size_t i = 1; i < wire.size(); ++i) every.push_back(i);
  EXPECT_EQ(Parse(wire, every, max), expected) << "byte by byte";
}

using K = FrameParser::Event;

TEST(WsHeaderTest, LengthEncodings) {
  uint8_t h[kMaxHeaderBytes];
  ASSERT_EQ(EncodeHeader(Opcode::kText, 0, h), 2u);
  EXPECT_EQ(h[0], 0x81);
  EXPECT_EQ(h[1], 0);
  ASSERT_EQ(EncodeHeader(Opcode::kText, 125, h), 2u);
  EXPECT_EQ(h[1], 125);
  ASSERT_EQ(EncodeHeader(Opcode::kBinary, 126, h), 4u);
  EXPECT_EQ(h[0], 0x82);
  EXPECT_EQ(h[1], 126);
  EXPECT_EQ((h[2] << 8) | h[3], 126);
  ASSERT_EQ(EncodeHeader(Opcode::kText, 65535, h), 4u);
  EXPECT_EQ((h[2] << 8) | h[3], 65535);
  ASSERT_EQ(EncodeHeader(Opcode::kText, 65536, h), 10u);
  EXPECT_EQ(h[1], 127);
  uint64_t len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | h[2 + i];
  EXPECT_EQ(len, 65536u);
  ASSERT_EQ(EncodeHeader(Opcode::kText, 0x0102030405ULL, h), 10u);
  len = 0;
  for (int i = 0; i < 8; ++i) len = (len << 8) | h[2 + i];
  EXPECT_EQ(len, 0x0102030405ULL);
}

TEST(WsHeaderTest, CloseFrameCarriesCodeAndCutsReasonAtCharacterBoundary) {
  std::string f = EncodeClose(1013, "slow consumer");
  ASSERT_EQ(f.size(), 2u + 2 + 13);
  EXPECT_EQ(static_cast<uint8_t>(f[0]), 0x88);
  EXPECT_EQ(f[1], 15);
  EXPECT_EQ((static_cast<uint8_t>(f[2]) << 8) | static_cast<uint8_t>(f[3]), 1013);
  EXPECT_EQ(f.substr(4), "slow consumer");

  std::string long_reason(101, 'x');
  for (int i = 0; i < 20; ++i) long_reason += "é";  // 2 bytes each; 123 falls inside one
  f = EncodeClose(1000, long_reason);
  ASSERT_LE(f.size() - 2, kMaxControlPayload);
  EXPECT_TRUE(IsValidUtf8(f.substr(4)));
  EXPECT_EQ(long_reason.substr(0, f.size() - 4), f.substr(4));
}

TEST(WsParserTest, SingleTextAndBinaryMessages) {
  const std::string json = R"(["1","1","meeting:x","phx_join",{"name":"Ann"}])";
  ExpectSameAtEverySplit(ClientFrame(kFin | kText, json), {Seen{K::kMessage, true, 0, json}});
  const std::string bin("\x00\x01\x02\xFF", 4);
  ExpectSameAtEverySplit(ClientFrame(kFin | kBinary, bin), {Seen{K::kMessage, false, 0, bin}});
  ExpectSameAtEverySplit(ClientFrame(kFin | kText, ""), {Seen{K::kMessage, true, 0, ""}});
}

TEST(WsParserTest, SixteenAndSixtyFourBitLengths) {
  std::string medium(300, 'm');
  std::string large(70000, 'L');
  large[12345] = 'x';
  EXPECT_EQ(ParseWhole(ClientFrame(kFin | kText, medium)),
            (std::vector<Seen>{{K::kMessage, true, 0, medium}}));
  EXPECT_EQ(ParseWhole(ClientFrame(kFin | kText, large)), (std::vector<Seen>{{K::kMessage, true, 0, large}}));
  // Split inside the extended length and inside the payload.
  EXPECT_EQ(Parse(ClientFrame(kFin | kText, large), {3, 7, 100, 65000}),
            (std::vector<Seen>{{K::kMessage, true, 0, large}}));
}

TEST(WsParserTest, SeveralMessagesInOneRead) {
  std::string wire = ClientFrame(kFin | kText, "one") + ClientFrame(kFin | kText, "two") +
                     ClientFrame(kFin | kPing, "p") + ClientFrame(kFin | kText, "three");
  ExpectSameAtEverySplit(wire, {Seen{K::kMessage, true, 0, "one"}, Seen{K::kMessage, true, 0, "two"},
                                Seen{K::kPing, false, 0, "p"}, Seen{K::kMessage, true, 0, "three"}});
}

TEST(WsParserTest, FragmentsAreReassembledWithControlFramesBetween) {
  std::string wire = ClientFrame(kText, "Hel") + ClientFrame(kFin | kPing, "are you there") +
                     ClientFrame(kCont, "") + ClientFrame(kCont, "lo, ") + ClientFrame(kFin | kPong, "") +
                     ClientFrame(kFin | kCont, "w\xC3\xB6rld");
  ExpectSameAtEverySplit(wire, {Seen{K::kPing, false, 0, "are you there"}, Seen{K::kPong, false, 0, ""},
                                Seen{K::kMessage, true, 0, "Hello, w\xC3\xB6rld"}});
}

TEST(WsParserTest, Utf8CharacterSplitAcrossFragmentsIsValid) {
  // "ö" = C3 B6, cut between the fragments: only the whole message is checked.
  std::string wire = ClientFrame(kText, "w\xC3") + ClientFrame(kFin | kCont, "\xB6rld");
  ExpectSameAtEverySplit(wire, {Seen{K::kMessage, true, 0, "w\xC3\xB6rld"}});
}

TEST(WsParserTest, CloseIsReportedAndFinishesTheParser) {
  std::string wire = ClientFrame(kFin | kClose, CloseBody(1000, "bye")) + ClientFrame(kFin | kText, "late");
  ExpectSameAtEverySplit(wire, {Seen{K::kClose, false, 1000, "bye"}});
  ExpectSameAtEverySplit(ClientFrame(kFin | kClose, ""), {Seen{K::kClose, false, kCloseNoStatus, ""}});

  FrameParser parser(1 << 20);
  std::string bytes = wire;
  char* data = bytes.data();
  size_t size = bytes.size();
  EXPECT_EQ(parser.Next(&data, &size).kind, K::kClose);
  EXPECT_EQ(parser.Next(&data, &size).kind, K::kClose);  // the text after it is never a message
  EXPECT_EQ(size, 0u);
}

struct Hostile {
  const char* name;
  std::string wire;
  uint16_t code;
};

TEST(WsParserTest, HostileFramesFailWithTheRightCode) {
  const std::vector<Hostile> cases = {
      {"unmasked", ClientFrame(kFin | kText, "hi", /*masked=*/false), kCloseProtocolError},
      {"rsv1", ClientFrame(kFin | 0x40 | kText, "hi"), kCloseProtocolError},
      {"rsv2", ClientFrame(kFin | 0x20 | kText, "hi"), kCloseProtocolError},
      {"rsv3", ClientFrame(kFin | 0x10 | kText, "hi"), kCloseProtocolError},
      {"opcode 3", ClientFrame(kFin | 0x3, "hi"), kCloseProtocolError},
      {"opcode 0xB", ClientFrame(kFin | 0xB, "hi"), kCloseProtocolError},
      {"ping over 125", ClientFrame(kFin | kPing, std::string(126, 'p')), kCloseProtocolError},
      {"fragmented ping", ClientFrame(kPing, "p"), kCloseProtocolError},
      {"fragmented close", ClientFrame(kClose, CloseBody(1000)), kCloseProtocolError},
      {"continuation first", ClientFrame(kFin | kCont, "x"), kCloseProtocolError},
      {"text inside fragmented", ClientFrame(kText, "a") + ClientFrame(kFin | kText, "b"),
       kCloseProtocolError},
      {"close of 1 byte", ClientFrame(kFin | kClose, "x"), kCloseProtocolError},
      {"close code 1005", ClientFrame(kFin | kClose, CloseBody(1005)), kCloseProtocolError},
      {"close code 999", ClientFrame(kFin | kClose, CloseBody(999)), kCloseProtocolError},
      {"close code 5000", ClientFrame(kFin | kClose, CloseBody(5000)), kCloseProtocolError},
      {"close reason not UTF-8", ClientFrame(kFin | kClose, CloseBody(1000, "\xFF")), kCloseInvalidPayload},
      {"text not UTF-8", ClientFrame(kFin | kText, "[\"\xFF\xFE\xC0\"]"), kCloseInvalidPayload},
      {"fragmented text not UTF-8", ClientFrame(kText, "ok") + ClientFrame(kFin | kCont, "\xC3"),
       kCloseInvalidPayload},
      {"over max", ClientFrame(kFin | kText, std::string(1001, 'x')), kCloseTooBig},
      {"fragments over max",
       ClientFrame(kText, std::string(600, 'x')) + ClientFrame(kFin | kCont, std::string(401, 'x')),
       kCloseTooBig},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto seen = ParseWhole(c.wire, 1000);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().kind, K::kError);
    EXPECT_EQ(seen.back().code, c.code);
    for (size_t cut = 1; cut < c.wire.size(); cut += (c.wire.size() > 64 ? 37 : 1)) {
      auto split = Parse(c.wire, {cut}, 1000);
      ASSERT_FALSE(split.empty()) << "cut at " << cut;
      EXPECT_EQ(split.back().kind, K::kError) << "cut at " << cut;
      EXPECT_EQ(split.back().code, c.code) << "cut at " << cut;
    }
  }
}

TEST(WsParserTest, BinaryIsNotUtf8Checked) {
  ExpectSameAtEverySplit(ClientFrame(kFin | kBinary, "\xFF\xFE"), {Seen{K::kMessage, false, 0, "\xFF\xFE"}});
}

TEST(WsParserTest, OversizedLengthFailsBeforeAnyPayloadArrives) {
  // Only the header of a 2^40-byte frame: the parser must refuse it without waiting for (or buffering) it.
  std::string wire = ClientFrame(kFin | kText, std::string(70000, 'x')).substr(0, 14);
  wire[2] = 0;
  wire[4] = 1;  // length = 2^40 + …
  auto seen = ParseWhole(wire, 1 << 20);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].code, kCloseTooBig);
  std::string huge = wire;
  huge[2] = static_cast<char>(0x80);  // top bit set
  seen = ParseWhole(huge, 1 << 20);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].code, kCloseProtocolError);
}

TEST(WsParserTest, NonMinimalLengthsAreRefused) {
  std::string wire = ClientFrame(kFin | kText, std::string(200, 'x'));
  wire[2] = 0;
  wire[3] = 100;  // 16-bit form for a length that fits in 7 bits
  auto seen = ParseWhole(wire);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].code, kCloseProtocolError);
}

TEST(WsParserTest, IdleAfterEachCompleteMessage) {
  FrameParser parser(1 << 20);
  std::string wire = ClientFrame(kFin | kText, "hello");
  char* data = wire.data();
  size_t size = 3;
  EXPECT_EQ(parser.Next(&data, &size).kind, K::kNeedMore);
  EXPECT_FALSE(parser.idle());
  size = wire.size() - 3;
  EXPECT_EQ(parser.Next(&data, &size).kind, K::kMessage);
  EXPECT_EQ(parser.Next(&data, &size).kind, K::kNeedMore);
  EXPECT_TRUE(parser.idle());
}

TEST(WsParserTest, RandomStreamsMatchWholeParse) {
  // Random mixes of good frames, cut at random places, give the same events as one whole read.
  std::mt19937 rng(20261128);
  for (int round = 0; round < 200; ++round) {
    std::string wire;
    std::vector<Seen> expected;
    const int frames = 1 + static_cast<int>(rng() % 6);
    for (int i = 0; i < frames; ++i) {
      std::string payload(rng() % 300, 'a' + static_cast<char>(rng() % 26));
      switch (rng() % 3) {
        case 0:
          wire += ClientFrame(kFin | kText, payload, true, static_cast<uint32_t>(rng()));
          expected.push_back({K::kMessage, true, 0, payload});
          break;
        case 1: {
          const size_t half = payload.size() / 2;
          wire += ClientFrame(kBinary, payload.substr(0, half), true, static_cast<uint32_t>(rng()));
          wire += ClientFrame(kFin | kCont, payload.substr(half), true, static_cast<uint32_t>(rng()));
          expected.push_back({K::kMessage, false, 0, payload});
          break;
        }
        default:
          payload.resize(payload.size() % 126);
          wire += ClientFrame(kFin | kPing, payload, true, static_cast<uint32_t>(rng()));
          expected.push_back({K::kPing, false, 0, payload});
      }
    }
    std::vector<size_t> cuts;
    for (size_t at = 1 + rng() % 50; at < wire.size(); at += 1 + rng() % 50) cuts.push_back(at);
    ASSERT_EQ(Parse(wire, cuts), expected) << "round " << round;
  }
}

}  // namespace
}  // namespace confab::net::ws
