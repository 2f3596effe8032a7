// POST /api/meetings under the per-address quota (Quotas::meetings_per_address_per_minute): the
// N+1th creation from one address is 429 rate_limited with Retry-After and creates nothing; other
// addresses keep their own quota; 0 turns it off.
#include <gtest/gtest.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "api/api_test_support.hpp"

namespace confab::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;
using testing::Header;

class MeetingQuota : public ::testing::Test {
 protected:
  Response Create() { return api_.Call("POST", "/api/meetings", R"({"title":"Retro"})"); }
  size_t Meetings() {
    std::vector<store::MeetingRecord> all;
    EXPECT_TRUE(api_.store().ListMeetings(&all).ok());
    return all.size();
  }
  ApiFixture api_;
};

TEST_F(MeetingQuota, TheCreationPastTheQuotaIs429WithRetryAfterAndCreatesNothing) {
  api_.services().LimitMeetingCreations(3);
  api_.set_client_address("203.0.113.7");
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Create().status, 201) << i;
  Response r = Create();
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json body = json::parse(r.body);
  EXPECT_EQ(body["error"], "rate_limited");
  EXPECT_TRUE(body["detail"].is_string());
  // One token comes back every 60 s / 3: the client is told to wait until then (whole seconds).
  std::optional<std::string> retry = Header(r, "Retry-After");
  ASSERT_TRUE(retry);
  int seconds = 0;
  ASSERT_EQ(std::from_chars(retry->data(), retry->data() + retry->size(), seconds).ec, std::errc()) << *retry;
  EXPECT_GE(seconds, 1);
  EXPECT_LE(seconds, 20);
  EXPECT_EQ(Meetings(), 3u);
}

TEST_F(MeetingQuota, EachAddressHasItsOwnQuota) {
  api_.services().LimitMeetingCreations(1);
  api_.set_client_address("203.0.113.7");
  ASSERT_EQ(Create().status, 201);
  EXPECT_EQ(Create().status, 429);
  api_.set_client_address("2001:db8::1");
  EXPECT_EQ(Create().status, 201);
  api_.set_client_address("");  // unknown: one address of its own
  EXPECT_EQ(Create().status, 201);
  EXPECT_EQ(Create().status, 429);
}

TEST_F(MeetingQuota, InvalidRequestsDoNotUseTheQuota) {
  api_.services().LimitMeetingCreations(1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(api_.Call("POST", "/api/meetings", "{}").status, 400);
  EXPECT_EQ(Create().status, 201);
}

TEST_F(MeetingQuota, ZeroMeansNoLimit) {
  api_.services().LimitMeetingCreations(0);
  for (int i = 0; i < 40; ++i) ASSERT_EQ(Create().status, 201) << i;
}

}  // namespace
}  // namespace confab::api
