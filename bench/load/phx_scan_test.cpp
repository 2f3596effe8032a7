#include "phx_scan.hpp"

#include <gtest/gtest.h>

namespace confab::bench {
namespace {

TEST(ScanPhxFrame, SplitsAReply) {
  PhxFrame f;
  ASSERT_TRUE(
      ScanPhxFrame(R"(["3","5","meeting:ab","phx_reply",{"status":"ok","response":{"seq":42}}])", &f));
  EXPECT_FALSE(f.join_ref_null);
  EXPECT_EQ(f.join_ref, "3");
  EXPECT_EQ(f.ref, "5");
  EXPECT_EQ(f.topic, "meeting:ab");
  EXPECT_EQ(f.event, "phx_reply");
  EXPECT_EQ(f.payload, R"({"status":"ok","response":{"seq":42}})");
}

TEST(ScanPhxFrame, BroadcastHasNullRefsAndWhitespaceIsAllowed) {
  PhxFrame f;
  ASSERT_TRUE(ScanPhxFrame(" [ null , null , \"meeting:x\" , \"event\" , {\"seq\": 1} ] \n", &f));
  EXPECT_TRUE(f.join_ref_null);
  EXPECT_TRUE(f.ref_null);
  EXPECT_EQ(f.event, "event");
  EXPECT_EQ(f.payload, "{\"seq\": 1}");
}

TEST(ScanPhxFrame, EscapedQuotesInsideStringsDoNotEndThem) {
  PhxFrame f;
  ASSERT_TRUE(ScanPhxFrame(R"(["a\"b",null,"t","e",{}])", &f));
  EXPECT_EQ(f.join_ref, R"(a\"b)");
  EXPECT_EQ(f.topic, "t");
}

TEST(ScanPhxFrame, RejectsWhatIsNotAV2Frame) {
  PhxFrame f;
  EXPECT_FALSE(ScanPhxFrame("", &f));
  EXPECT_FALSE(ScanPhxFrame(R"({"topic":"t","event":"e","payload":{},"ref":"1"})", &f));  // V1 object
  EXPECT_FALSE(ScanPhxFrame(R"(["1","1","t","e"])", &f));                                 // 4 elements
  EXPECT_FALSE(ScanPhxFrame(R"(["1","1",null,"e",{}])", &f));                             // null topic
  EXPECT_FALSE(ScanPhxFrame(R"(["1",1,"t","e",{}])", &f));                                // numeric ref
  EXPECT_FALSE(ScanPhxFrame(R"(["1","1","t","e",[]])", &f));                              // array payload
  EXPECT_FALSE(ScanPhxFrame(R"(["1","1","t","e",{})", &f));                               // unterminated
}

TEST(FindField, FindsKeysNotValuesNorSuffixes) {
  std::string_view ev =
      R"({"actor":{"name":"id","pid":"p_1"},"data":{"card_id":"k_9","emoji":"x"},"id":"the-id","seq":17,"ts":5})";
  std::string_view v;
  ASSERT_TRUE(FindStringField(ev, "id", &v));
  EXPECT_EQ(v, "the-id");  // not "name":"id", not card_id, not pid
  int64_t n = 0;
  ASSERT_TRUE(FindIntField(ev, "seq", &n));
  EXPECT_EQ(n, 17);
  EXPECT_FALSE(FindIntField(ev, "head_seq", &n));
  EXPECT_FALSE(FindStringField(ev, "seq", &v)) << "seq is a number";
}

TEST(FindField, ToleratesSpacesAndNegativeNumbers) {
  int64_t n = 0;
  ASSERT_TRUE(FindIntField(R"({ "head_seq" :  -3 })", "head_seq", &n));
  EXPECT_EQ(n, -3);
  std::string_view v;
  ASSERT_TRUE(FindStringField(R"({"status" : "ok"})", "status", &v));
  EXPECT_EQ(v, "ok");
}

}  // namespace
}  // namespace confab::bench
