// /livez, /readyz (= /healthz) and the health gauges of /metrics: with the writer's health faked, and
// with the real SQLite writer broken by an injected fault (the file may not grow: a failing commit,
// exactly where a full disk fails).
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>

#include "api/api_test_support.hpp"
#include "store/health_tracker.hpp"
#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;

json Body(const Response& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

TEST(HealthApi, HealthyStoreAnswers200OnAllProbes) {
  ApiFixture api;
  for (const char* path : {"/healthz", "/readyz"}) {
    Response r = api.Call("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(Body(r), (json{{"status", "ok"},
                             {"store", "ok"},
                             {"writer", "ok"},
                             {"last_error", nullptr},
                             {"since", nullptr}}))
        << path;
  }
  Response live = api.Call("GET", "/livez");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(Body(live), (json{{"status", "ok"}}));
}

TEST(HealthApi, FailingWriterMakesReadyz503WithTheReason) {
  ApiFixture api;
  api.fake_store().set_writer_health(
      store::WriterHealthReport{Status::Unavailable("appends failing: commit: database or disk is full"),
                                "commit: database or disk is full", 1700000000500, 1700000000000});
  for (const char* path : {"/healthz", "/readyz"}) {
    Response r = api.Call("GET", path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(Body(r), (json{{"status", "error"},
                             {"store", "appends failing: commit: database or disk is full"},
                             {"writer", "appends failing: commit: database or disk is full"},
                             {"last_error", "commit: database or disk is full"},
                             {"since", 1700000000000}}))
        << path;
  }
  // Still alive: the process serves, it just cannot write. An orchestrator must not restart it for that.
  EXPECT_EQ(api.Call("GET", "/livez").status, 200);
  Response metrics = api.Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("\nconfab_store_writer_healthy 0\n"), std::string::npos) << metrics.body;

  // The disk has room again: ready, and the last failure is still shown.
  api.fake_store().set_writer_health(store::WriterHealthReport{
      Status::Ok(), "commit: database or disk is full", 1700000000500, 1700000001000});
  Response r = api.Call("GET", "/readyz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["last_error"], "commit: database or disk is full");
  EXPECT_EQ(Body(r)["since"], 1700000001000);
  EXPECT_NE(api.Call("GET", "/metrics").body.find("\nconfab_store_writer_healthy 1\n"), std::string::npos);
}

TEST(HealthApi, UnhealthyWithoutAReasonStillSaysSomething) {
  ApiFixture api;
  api.fake_store().set_writer_health(Status::Unavailable());
  Response r = api.Call("GET", "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(Body(r).value("store", "").empty());
  EXPECT_FALSE(Body(r).value("writer", "").empty());
}

// An event big enough that storing it needs new pages.
store::AppendRequest Big(int64_t seq) {
  store::AppendRequest req;
  req.meeting_id = "m";
  req.events.push_back(store::testing::MakeEvent(seq, "big-" + std::to_string(seq)));
  req.events.back().json = std::string(256 * 1024, 'x');
  return req;
}

TEST(HealthApi, AFailingCommitOfTheRealWriterTurnsReadyz503UntilAWriteCommits) {
  ApiFixture api;
  auto* sqlite = dynamic_cast<store::SqliteStore*>(&api.fake_store().inner());
  ASSERT_NE(sqlite, nullptr);
  ASSERT_TRUE(store::testing::AppendAndWait(*sqlite, store::testing::CreateRequest("m")).ok());

  // The injected fault: the file may not grow, so the commit fails as on a full disk.
  ASSERT_TRUE(sqlite->ExecOnWriterForTesting("PRAGMA max_page_count = 1").ok());
  EXPECT_EQ(store::testing::AppendAndWait(*sqlite, Big(2)).code(), Status::Code::kIoError);
  Response r = api.Call("GET", "/readyz");
  EXPECT_EQ(r.status, 503) << r.body;
  json body = Body(r);
  EXPECT_EQ(body["status"], "error");
  EXPECT_NE(body.value("writer", "").find("full"), std::string::npos) << r.body;
  EXPECT_NE(body.value("last_error", "").find("full"), std::string::npos) << r.body;
  EXPECT_TRUE(body["since"].is_number()) << r.body;
  EXPECT_EQ(api.Call("GET", "/livez").status, 200);

  // A batch refused by its own check (a taken seq) commits an empty transaction, which succeeds on
  // a full disk too: it must not count as recovery (it did, and /healthz said "ok" on a full disk).
  EXPECT_EQ(store::testing::AppendAndWait(*sqlite, store::testing::CreateRequest("m")).code(),
            Status::Code::kConflict);
  EXPECT_EQ(api.Call("GET", "/readyz").status, 503);

  // Room again: the next append that writes commits, and readiness is back at once.
  ASSERT_TRUE(sqlite->ExecOnWriterForTesting("PRAGMA max_page_count = 1073741823").ok());
  ASSERT_TRUE(store::testing::AppendAndWait(*sqlite, Big(2)).ok());
  r = api.Call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  body = Body(r);
  EXPECT_EQ(body["writer"], "ok");
  EXPECT_NE(body.value("last_error", "").find("full"), std::string::npos)
      << "kept after recovery: " << r.body;
  EXPECT_TRUE(body["since"].is_number()) << r.body;
}

TEST(HealthApi, WithoutAnyWriteAFailureIsForgottenAfterTheWindow) {
  ApiFixture api;
  auto* sqlite = dynamic_cast<store::SqliteStore*>(&api.fake_store().inner());
  ASSERT_NE(sqlite, nullptr);
  auto now = std::make_shared<std::atomic<int64_t>>(1700000000000);
  sqlite->SetHealthClockForTesting([now] { return now->load(); });
  ASSERT_TRUE(store::testing::AppendAndWait(*sqlite, store::testing::CreateRequest("m")).ok());
  ASSERT_TRUE(sqlite->ExecOnWriterForTesting("PRAGMA max_page_count = 1").ok());
  EXPECT_FALSE(store::testing::AppendAndWait(*sqlite, Big(2)).ok());

  // Nobody writes (a node out of rotation gets no appends): still 503 just before the window ends ...
  *now += store::HealthTracker::kWindow.count() - 1;
  EXPECT_EQ(api.Call("GET", "/readyz").status, 503);
  // ... and ready again after it, so the node gets traffic to prove itself with.
  *now += 1;
  Response r = api.Call("GET", "/readyz");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["since"], 1700000000000 + store::HealthTracker::kWindow.count());
  // The disk is still full: the next append fails and readiness drops at once.
  EXPECT_FALSE(store::testing::AppendAndWait(*sqlite, Big(2)).ok());
  EXPECT_EQ(api.Call("GET", "/readyz").status, 503);
}

TEST(HealthApi, HeadAndWrongMethods) {
  ApiFixture api;
  EXPECT_EQ(api.Call("HEAD", "/livez").status, 200);
  EXPECT_EQ(api.Call("POST", "/livez").status, 405);
  EXPECT_EQ(api.Call("POST", "/readyz").status, 405);
}

}  // namespace
}  // namespace confab::api
