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

TEST(FindMemberValue, TakesOnlyTheObjectsOwnMembers) {
  // "head_seq" inside the state comes first in the text; the response's own member is the one wanted.
  std::string_view r =
      R"({"pid":"p_1","state":{"head_seq":999,"s":"\"head_seq\":7"},"head_seq" : 42,"resumed":false})";
  std::string_view v;
  ASSERT_TRUE(FindMemberValue(r, "head_seq", &v));
  EXPECT_EQ(v, "42");
  ASSERT_TRUE(FindMemberValue(r, "state", &v));
  EXPECT_EQ(v, R"({"head_seq":999,"s":"\"head_seq\":7"})");
  ASSERT_TRUE(FindMemberValue(r, "pid", &v));
  EXPECT_EQ(v, R"("p_1")");
  ASSERT_TRUE(FindMemberValue(r, "resumed", &v));
  EXPECT_EQ(v, "false");
  EXPECT_FALSE(FindMemberValue(r, "s", &v)) << "a member of a nested object";
  EXPECT_FALSE(FindMemberValue(r, "p_1", &v)) << "a string value, not a key";
  EXPECT_FALSE(FindMemberValue("{}", "a", &v));
  EXPECT_FALSE(FindMemberValue("[1]", "a", &v));
  EXPECT_FALSE(FindMemberValue(R"({"a":{"b":1})", "c", &v)) << "unterminated value";
}

TEST(SplitArray, SplitsABatchOfEventsWithBracketsAndQuotesInsideStrings) {
  std::string_view payload =
      R"({"events":[{"seq":5,"id":"a","data":{"title":"x}],{\"y"}},)"
      R"( {"seq":6,"id":"b","data":{"list":[1,[2,{}]]}} ,{"seq":7,"id":"c","data":{}}]})";
  std::string_view events;
  ASSERT_TRUE(FindMemberValue(payload, "events", &events));
  std::vector<std::string_view> e;
  ASSERT_TRUE(SplitArray(events, &e));
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0], R"({"seq":5,"id":"a","data":{"title":"x}],{\"y"}})");
  EXPECT_EQ(e[1], R"({"seq":6,"id":"b","data":{"list":[1,[2,{}]]}})");
  EXPECT_EQ(e[2], R"({"seq":7,"id":"c","data":{}})");
  int64_t seq = 0;
  std::string_view id;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(FindIntField(e[i], "seq", &seq));
    EXPECT_EQ(seq, 5 + i);
    ASSERT_TRUE(FindStringField(e[i], "id", &id));
    EXPECT_EQ(id, std::string(1, static_cast<char>('a' + i)));
  }
}

TEST(SplitArray, ScalarsEmptyArraysAndMalformedInput) {
  std::vector<std::string_view> e;
  ASSERT_TRUE(SplitArray(R"([ 1 , "a,b" ,null,-2.5e3,true ])", &e));
  ASSERT_EQ(e.size(), 5u);
  EXPECT_EQ(e[1], R"("a,b")");
  EXPECT_EQ(e[3], "-2.5e3");
  e.clear();
  EXPECT_TRUE(SplitArray(" [ ] ", &e));
  EXPECT_TRUE(e.empty());
  EXPECT_FALSE(SplitArray("", &e));
  EXPECT_FALSE(SplitArray("{}", &e));
  EXPECT_FALSE(SplitArray("[{}", &e));
  EXPECT_FALSE(SplitArray("[{},]", &e));
  EXPECT_FALSE(SplitArray(R"([{"a":"}])", &e)) << "unterminated string";
  EXPECT_FALSE(SplitArray("[1] x", &e)) << "trailing text";
}

}  // namespace
}  // namespace confab::bench
