#pragma once
// For api_tests: every route registered on a Router over a real SQLite store in a temp dir, and a
// way to call one as the HTTP session would (parse the target, dispatch, run the io thread until the
// handler answers). Not part of the library.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <optional>
#include <string>

#include "api/router.hpp"
#include "api/services.hpp"
#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"
#include "views/view_hub.hpp"

namespace confab::api::testing {

class ApiFixture {
 public:
  ApiFixture() { AddAllRoutes(router_, services_); }

  // Calls `method target` with `body`; fails the test (and returns a 599) when no answer comes.
  Response Call(const std::string& method, const std::string& target, const std::string& body = "") {
    Request req;
    req.method = method;
    req.body = body;
    if (!ParseTarget(target, &req.path, &req.query)) {
      ADD_FAILURE() << "unparsable target " << target;
      return Response::Error(599, "test");
    }
    std::optional<Response> answer;
    int calls = 0;
    router_.Dispatch(req, [&](Response r) {
      ++calls;
      answer = std::move(r);
    });
    if (!rooms::testing::RunUntil(io_, [&] { return answer.has_value(); })) {
      ADD_FAILURE() << method << " " << target << ": no answer";
      return Response::Error(599, "test");
    }
    EXPECT_EQ(calls, 1) << method << " " << target;
    return std::move(*answer);
  }

  store::Store& store() { return *store_; }
  views::ViewHub& hub() { return hub_; }
  boost::asio::io_context& io() { return io_; }

 private:
  rooms::testing::TestStore store_;
  boost::asio::io_context io_;
  rooms::RoomRegistry rooms_{io_, *store_};
  views::ViewHub hub_;
  Services services_{io_, *store_, rooms_, hub_};
  Router router_;
};

inline std::optional<std::string> Header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace confab::api::testing
