// The view routes through the Router over a real SQLite store: state at a seq or time, analytics,
// audit (JSON and CSV), summary, feature popularity. The views' content is views_tests' business;
// here: routing, parameters, status codes and content types.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_test_support.hpp"
#include "store/test_support.hpp"
#include "views/time_text.hpp"

namespace confab::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;
using testing::Header;

constexpr int64_t kT0 = 1732770000000;  // 2024-11-28T05:00:00Z

json Body(const Response& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

void ExpectError(const Response& r, int status, const std::string& code, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(Body(r).value("error", ""), code) << what << ": " << r.body;
}

store::StoredEvent Event(const std::string& meeting, int64_t seq, int64_t ts, const std::string& type,
                         json data) {
  store::StoredEvent e;
  e.meeting_id = meeting;
  e.seq = seq;
  e.id = "ev-" + std::to_string(seq);
  e.type = type;
  e.actor_pid = "system";
  e.ts = ts;
  e.json = json{{"seq", seq},   {"id", e.id},
                {"type", type}, {"actor", {{"pid", "system"}, {"name", "Confab"}}},
                {"ts", ts},     {"data", std::move(data)}}
               .dump();
  return e;
}

// A meeting "m1" titled First (seq 1, T0), renamed Second (seq 2, T0+1s) and Third (seq 3, T0+2s).
class ViewsApi : public ::testing::Test {
 protected:
  void SetUp() override {
    store::AppendRequest req;
    req.meeting_id = "m1";
    req.create = store::MeetingRecord{"m1", HashSecret("token"), kT0};
    req.events.push_back(Event("m1", 1, kT0, "meeting_created",
                               {{"title", "First"}, {"votes_per_person", 3}, {"timebox_s", 300}}));
    req.events.push_back(Event("m1", 2, kT0 + 1000, "meeting_renamed", {{"title", "Second"}}));
    req.events.push_back(Event("m1", 3, kT0 + 2000, "meeting_renamed", {{"title", "Third"}}));
    ASSERT_TRUE(store::testing::AppendAndWait(api_.store(), std::move(req)).ok());
  }

  json State(const std::string& query) {
    Response r = api_.Call("GET", "/api/meetings/m1/state" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.body;
    return Body(r);
  }

  ApiFixture api_;
};

TEST_F(ViewsApi, StateAtSeq) {
  EXPECT_EQ(State("?seq=1")["state"]["title"], "First");
  json two = State("?seq=2");
  EXPECT_EQ(two["seq"], 2);
  EXPECT_EQ(two["head_seq"], 3);
  EXPECT_EQ(two["state"]["title"], "Second");
  EXPECT_EQ(two["state"]["last_seq"], 2);
  EXPECT_EQ(State("?seq=3")["state"]["title"], "Third");
  json zero = State("?seq=0");  // before the meeting existed: the initial state
  EXPECT_EQ(zero["seq"], 0);
  EXPECT_EQ(zero["state"]["last_seq"], 0);
  json past = State("?seq=99");  // past the head: the head, and it says so
  EXPECT_EQ(past["seq"], 3);
  EXPECT_EQ(past["head_seq"], 3);
  EXPECT_EQ(past["state"]["title"], "Third");
}

TEST_F(ViewsApi, StateAtTime) {
  EXPECT_EQ(State("?at=" + std::to_string(kT0 + 1500))["state"]["title"], "Second");
  EXPECT_EQ(State("?at=" + views::FormatIsoMs(kT0 + 1000))["state"]["title"], "Second");  // inclusive
  EXPECT_EQ(State("?at=" + views::FormatIsoMs(kT0 + 999))["seq"], 1);
  EXPECT_EQ(State("?at=2024-11-28T05:00:01.500%2B00:00")["seq"], 2);  // offset form, '+' escaped
  EXPECT_EQ(State("?at=2030-01-01")["seq"], 3);
  EXPECT_EQ(State("?at=2020-01-01")["seq"], 0);
}

TEST_F(ViewsApi, StateBadParametersAre400) {
  for (const std::string q :
       {"", "?seq=", "?seq=-1", "?seq=x", "?seq=1.0", "?seq=%201", "?seq=1&at=2024-11-28", "?at=yesterday",
        "?at=2024-13-01", "?seq=99999999999999999999"}) {
    ExpectError(api_.Call("GET", "/api/meetings/m1/state" + q), 400, "invalid_payload", q);
  }
  ExpectError(api_.Call("GET", "/api/meetings/nope/state?seq=1"), 404, "not_found", "unknown meeting");
  ExpectError(api_.Call("GET", "/api/meetings/nope/state?at=2024-11-28"), 404, "not_found",
              "unknown meeting");
}

TEST_F(ViewsApi, Analytics) {
  Response r = api_.Call("GET", "/api/meetings/m1/analytics");
  ASSERT_EQ(r.status, 200) << r.body;
  json a = Body(r);
  EXPECT_EQ(a["meeting_id"], "m1");
  EXPECT_EQ(a["title"], "Third");
  EXPECT_TRUE(a.contains("items") && a.contains("participation") && a.contains("totals"));
  ExpectError(api_.Call("GET", "/api/meetings/nope/analytics"), 404, "not_found", "unknown meeting");
}

TEST_F(ViewsApi, AuditJsonAndCsv) {
  Response j = api_.Call("GET", "/api/meetings/m1/audit");
  ASSERT_EQ(j.status, 200) << j.body;
  EXPECT_EQ(Body(j)["count"], 3);
  EXPECT_EQ(Body(api_.Call("GET", "/api/meetings/m1/audit?format=json&type=meeting_renamed"))["count"], 2);

  Response csv = api_.Call("GET", "/api/meetings/m1/audit?format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_EQ(Header(csv, "Content-Disposition"), "attachment; filename=\"confab-audit-m1.csv\"");
  EXPECT_NE(csv.body.find("seq,ts,actor_pid,actor,type,summary"), std::string::npos);

  ExpectError(api_.Call("GET", "/api/meetings/m1/audit?format=xml"), 400, "invalid_payload", "format");
  ExpectError(api_.Call("GET", "/api/meetings/m1/audit?type=no_such_type"), 400, "invalid_payload", "type");
  ExpectError(api_.Call("GET", "/api/meetings/nope/audit?format=csv"), 404, "not_found", "unknown csv");
}

TEST_F(ViewsApi, SummaryMarkdown) {
  Response r = api_.Call("GET", "/api/meetings/m1/summary.md");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "text/markdown; charset=utf-8");
  EXPECT_EQ(r.body.rfind("# Third", 0), 0u) << r.body;
  ExpectError(api_.Call("GET", "/api/meetings/nope/summary.md"), 404, "not_found", "unknown");
}

// The Done screen's JSON: the same fold as summary.md, beside it (not shadowed by the .md route).
TEST_F(ViewsApi, SummaryJson) {
  Response r = api_.Call("GET", "/api/meetings/m1/summary");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json body = Body(r);
  EXPECT_EQ(body["meeting_id"], "m1");
  EXPECT_EQ(body["title"], "Third");
  EXPECT_TRUE(body["actions"].is_array());
  EXPECT_TRUE(body["parked"].is_array());
  ExpectError(api_.Call("GET", "/api/meetings/nope/summary"), 404, "not_found", "unknown");
}

TEST_F(ViewsApi, Features) {
  json all = Body(api_.Call("GET", "/api/analytics/features"));
  EXPECT_EQ(all["events"], 3);
  EXPECT_EQ(all["meetings"], 1);
  // The usage table's grain is the UTC day: a bound inside a day takes in the whole day.
  EXPECT_EQ(Body(api_.Call("GET", "/api/analytics/features?from=" + std::to_string(kT0 + 1)))["events"], 3);
  EXPECT_EQ(Body(api_.Call("GET", "/api/analytics/features?from=2024-11-29"))["events"], 0);
  ExpectError(api_.Call("GET", "/api/analytics/features?from=bad"), 400, "invalid_payload", "bad from");
  // A bare date as `to` is the end of that day: from=D&to=D is the whole day D, not an error.
  EXPECT_EQ(api_.Call("GET", "/api/analytics/features?from=2024-11-28&to=2024-11-28").status, 200);
  ExpectError(api_.Call("GET", "/api/analytics/features?from=2025-01-03&to=2025-01-01"), 400,
              "invalid_payload", "from > to");
}

}  // namespace
}  // namespace confab::api
