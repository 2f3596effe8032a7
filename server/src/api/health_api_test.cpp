// /livez, /healthz, /readyz and the health gauges of /metrics, with the writer's health faked (a
// full disk is hard to arrange for real).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_test_support.hpp"

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
    EXPECT_EQ(Body(r), (json{{"status", "ok"}, {"store", "ok"}})) << path;
  }
  Response live = api.Call("GET", "/livez");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(Body(live), (json{{"status", "ok"}}));
}

TEST(HealthApi, FailingWriterMakesHealthz503WithTheReason) {
  ApiFixture api;
  api.fake_store().set_writer_health(Status::Unavailable("commit failed: database or disk is full"));
  for (const char* path : {"/healthz", "/readyz"}) {
    Response r = api.Call("GET", path);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_EQ(r.content_type, "application/json");
    EXPECT_EQ(Body(r), (json{{"status", "error"}, {"store", "commit failed: database or disk is full"}}))
        << path;
  }
  // Still alive: the process serves, it just cannot write. An orchestrator must not restart it for that.
  EXPECT_EQ(api.Call("GET", "/livez").status, 200);
  Response metrics = api.Call("GET", "/metrics");
  EXPECT_NE(metrics.body.find("\nconfab_store_writer_healthy 0\n"), std::string::npos) << metrics.body;

  api.fake_store().set_writer_health(Status::Ok());  // the disk has room again
  EXPECT_EQ(api.Call("GET", "/healthz").status, 200);
  EXPECT_NE(api.Call("GET", "/metrics").body.find("\nconfab_store_writer_healthy 1\n"), std::string::npos);
}

TEST(HealthApi, UnhealthyWithoutAReasonStillSaysSomething) {
  ApiFixture api;
  api.fake_store().set_writer_health(Status::Unavailable());
  Response r = api.Call("GET", "/healthz");
  EXPECT_EQ(r.status, 503);
  EXPECT_FALSE(Body(r).value("store", "").empty());
}

TEST(HealthApi, HeadAndWrongMethods) {
  ApiFixture api;
  EXPECT_EQ(api.Call("HEAD", "/livez").status, 200);
  EXPECT_EQ(api.Call("POST", "/livez").status, 405);
  EXPECT_EQ(api.Call("POST", "/readyz").status, 405);
}

}  // namespace
}  // namespace confab::api
