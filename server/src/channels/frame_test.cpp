// The V2 JSON codec: good frames, hostile frames, and the exact bytes of what the server writes.
#include "channels/frame.hpp"

#include <gtest/gtest.h>

namespace confab::channels {
namespace {

TEST(DecodeFrameTest, ReadsAClientPush) {
  Frame f;
  ASSERT_FALSE(DecodeFrame(R"(["3","5","meeting:abc","event",{"id":"u1","type":"typing"}])", &f));
  EXPECT_EQ(f.join_ref, "3");
  EXPECT_EQ(f.ref, "5");
  EXPECT_EQ(f.topic, "meeting:abc");
  EXPECT_EQ(f.event, "event");
  EXPECT_EQ(f.payload["id"], "u1");
}

TEST(DecodeFrameTest, NullRefsAndExtraElements) {
  Frame f;
  // A heartbeat; Phoenix reads the first five elements and ignores the rest.
  ASSERT_FALSE(DecodeFrame(R"([null,"6","phoenix","heartbeat",{},"extra",7])", &f));
  EXPECT_FALSE(f.join_ref);
  EXPECT_EQ(f.ref, "6");
  EXPECT_TRUE(f.payload.is_object());
}

struct BadFrame {
  const char* name;
  std::string text;
  bool addressable;
};

class HostileFrameTest : public ::testing::TestWithParam<BadFrame> {};

TEST_P(HostileFrameTest, IsRejectedWithoutThrowing) {
  Frame f;
  std::optional<DecodeError> err;
  ASSERT_NO_THROW(err = DecodeFrame(GetParam().text, &f));
  ASSERT_TRUE(err) << GetParam().name;
  EXPECT_EQ(err->addressable, GetParam().addressable) << err->what;
  if (err->addressable) {
    EXPECT_EQ(f.ref, "2");
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, HostileFrameTest,
    ::testing::Values(
        BadFrame{"empty", "", false}, BadFrame{"not json", "hello", false},
        BadFrame{"truncated", R"(["1","2","t","e",{)", false},
        BadFrame{"object", R"({"topic":"t","event":"e","payload":{},"ref":"1"})", false},
        BadFrame{"four elements", R"(["1","2","t","e"])", false},
        BadFrame{"numeric ref", R"(["1",2,"t","e",{}])", false},
        BadFrame{"numeric join_ref", R"([1,"2","t","e",{}])", false},
        BadFrame{"topic not string", R"(["1","2",3,"e",{}])", false},
        BadFrame{"event not string", R"(["1","2","t",null,{}])", false},
        BadFrame{"array payload", R"(["1","2","t","e",[]])", true},
        BadFrame{"null payload", R"(["1","2","t","e",null])", true},
        BadFrame{"string payload", R"(["1","2","t","e","x"])", true},
        BadFrame{"invalid utf8", std::string("[\"1\",\"2\",\"t\",\"e\",{\"a\":\"\xff\xfe\"}]"), false},
        BadFrame{"overlong utf8", std::string("[\"1\",\"2\",\"t\",\"e\",{\"a\":\"\xc0\xaf\"}]"), false},
        BadFrame{"deep nesting",
                 "[\"1\",\"2\",\"t\",\"e\",{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}]",
                 false},
        BadFrame{"trailing garbage", R"(["1","2","t","e",{}] x)", false}),
    [](const auto& info) {
      std::string n = info.param.name;
      for (char& c : n) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST(DecodeFrameTest, BracketsInsideStringsDoNotCountAsNesting) {
  Frame f;
  const std::string text = R"(["1","2","t","e",{"a":")" + std::string(100, '[') + R"(\"]"}])";
  EXPECT_FALSE(DecodeFrame(text, &f));
}

TEST(EncodeTest, ReplyEchoesRefsAsStrings) {
  EXPECT_EQ(EncodeReply("3", "5", "meeting:a", "ok", R"({"seq":42})"),
            R"(["3","5","meeting:a","phx_reply",{"status":"ok","response":{"seq":42}}])");
  EXPECT_EQ(EncodeReply(std::nullopt, "6", "phoenix", "ok", "{}"),
            R"([null,"6","phoenix","phx_reply",{"status":"ok","response":{}}])");
}

TEST(EncodeTest, BroadcastHasNullRefs) {
  auto frame = EncodeBroadcast("meeting:a", "event", R"({"seq":1})");
  EXPECT_EQ(*frame, R"([null,null,"meeting:a","event",{"seq":1}])");
}

TEST(EncodeTest, StringsAreEscaped) {
  const std::string ref = "a\"b\\c\n\x01";
  const std::string out = EncodeMessage(ref, std::nullopt, "t\"", "ev", "{}");
  EXPECT_EQ(out, R"(["a\"b\\c\n\u0001",null,"t\"","ev",{}])");
  // What we write, we (and any JSON parser) can read back.
  Frame f;
  ASSERT_FALSE(DecodeFrame(out, &f));
  EXPECT_EQ(f.join_ref, ref);
  EXPECT_EQ(f.topic, "t\"");
}

TEST(EncodeTest, ReasonJson) {
  EXPECT_EQ(ReasonJson("rate_limited"), R"({"reason":"rate_limited"})");
  EXPECT_EQ(ReasonJson("invalid_payload", "name \"x\""),
            R"({"reason":"invalid_payload","detail":"name \"x\""})");
}

TEST(BinaryHeaderTest, ReadsAClientPushHeader) {
  // join_ref "3", ref "7", topic "room:1", event "bin", payload 01 02 03 (PHOENIX-PROTOCOL §1.4).
  const std::string frame(
      "\x00\x01\x01\x06\x03"
      "37room:1bin\x01\x02\x03",
      19);
  BinaryHeader h;
  ASSERT_TRUE(DecodeBinaryHeader(frame, &h));
  EXPECT_EQ(h.join_ref, "3");
  EXPECT_EQ(h.ref, "7");
  EXPECT_EQ(h.topic, "room:1");
  EXPECT_EQ(h.event, "bin");
}

TEST(BinaryHeaderTest, RejectsShortOrForeignFrames) {
  BinaryHeader h;
  EXPECT_FALSE(DecodeBinaryHeader("", &h));
  EXPECT_FALSE(DecodeBinaryHeader(std::string("\x02\x06\x05", 3), &h));  // a broadcast kind
  EXPECT_FALSE(DecodeBinaryHeader(std::string("\x00\x01\x01\x06\x03"
                                              "3",
                                              6),
                                  &h));  // lengths overrun
  EXPECT_FALSE(DecodeBinaryHeader(std::string("\x00\x01\x01\x01\x01"
                                              "\xff"
                                              "7tb",
                                              9),
                                  &h));  // not UTF-8
}

}  // namespace
}  // namespace confab::channels
