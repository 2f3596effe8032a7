// No route blocks its io thread: every route is called with the test thread marked as an io thread
// (ApiFixture::Call does so), and the count of blocking store calls made on io threads must not move.
// In debug builds such a call aborts at once; this test also holds in release builds.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api/api_test_support.hpp"
#include "util/thread_role.hpp"

namespace confab::api {
namespace {

using testing::ApiFixture;

TEST(IoThread, NoRouteBlocksTheIoThread) {
  ApiFixture api;
  const uint64_t before = BlockingOnIoThreadCount();
  Response created = api.Call("POST", "/api/meetings", R"({"title":"Threads"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = nlohmann::json::parse(created.body)["id"];
  const std::string m = "/api/meetings/" + id;
  for (const std::string& target :
       {m, m + "/events", m + "/events?format=ndjson", m + "/analytics", m + "/audit",
        m + "/audit?format=csv", m + "/summary.md", m + "/state?seq=1",
        std::string("/api/analytics/features"), std::string("/healthz"), std::string("/readyz"),
        std::string("/livez"), std::string("/metrics"), std::string("/api/meetings/nope"),
        std::string("/api/meetings/nope/events?format=ndjson"),
        std::string("/api/meetings/nope/audit?format=csv")}) {
    Response r = api.Call("GET", target);
    EXPECT_LT(r.status, 500) << target << ": " << r.body;
    EXPECT_EQ(api.Call("HEAD", target).status, r.status) << target;
  }
  EXPECT_EQ(BlockingOnIoThreadCount(), before);
}

}  // namespace
}  // namespace confab::api
