#pragma once
// For api_tests: every route registered on a Router over a real SQLite store in a temp dir, and a
// way to call one as the HTTP session would (parse the target, dispatch, run the io thread until the
// answer is posted back). Not part of the library.
//
// Call runs with the test thread marked as an io thread (IoThreadScope), as in `serve`: a route
// that made a blocking store call on it would abort (debug) or be counted — so every test that calls
// a route also proves the route does not block its io thread.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/fake_health_store.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "rooms/room_registry.hpp"
#include "rooms/testing.hpp"
#include "store/reader_pool.hpp"
#include "util/thread_role.hpp"
#include "views/view_hub.hpp"

namespace confab::api::testing {

class ApiFixture {
 public:
  ApiFixture() { AddAllRoutes(router_, services_); }
  ~ApiFixture() { reader_.Stop(); }  // no pool work may outlive the rooms and the hub

  // Calls `method target` with `body`; fails the test (and returns a 599) when no answer comes. A
  // streamed answer is read to its end (on the reader pool, as the session would) into `body`; its
  // chunks' sizes are in last_chunk_sizes().
  Response Call(const std::string& method, const std::string& target, const std::string& body = "") {
    IoThreadScope io_thread;
    Request req;
    req.method = method;
    req.body = body;
    req.executor = io_.get_executor();
    req.client_address = client_address_;
    if (!ParseTarget(target, &req.path, &req.query)) {
      ADD_FAILURE() << "unparsable target " << target;
      return Response::Error(599, "test");
    }
    std::optional<Response> answer;
    int calls = 0;
    // As HttpSession does: the answer may come from any thread and is posted to the io thread.
    router_.Dispatch(req, [this, &answer, &calls](Response r) {
      boost::asio::post(io_, [&answer, &calls, r = std::move(r)]() mutable {
        ++calls;
        answer = std::move(r);
      });
    });
    if (!rooms::testing::RunUntil(io_, [&] { return answer.has_value(); })) {
      ADD_FAILURE() << method << " " << target << ": no answer";
      return Response::Error(599, "test");
    }
    // A second answer would be posted right behind the first.
    io_.restart();
    io_.poll();
    EXPECT_EQ(calls, 1) << method << " " << target;
    last_chunk_sizes_.clear();
    if (answer->stream && method != "HEAD" && !Drain(&*answer)) {
      ADD_FAILURE() << method << " " << target << ": stream failed";
      return Response::Error(599, "test");
    }
    return std::move(*answer);
  }

  const std::vector<size_t>& last_chunk_sizes() const { return last_chunk_sizes_; }
  store::Store& store() { return store_; }
  FakeHealthStore& fake_store() { return store_; }
  views::ViewHub& hub() { return hub_; }
  boost::asio::io_context& io() { return io_; }
  store::ReaderPool& reader() { return reader_; }
  Router& router() { return router_; }
  Services& services() { return services_; }
  // The address later calls come from (Request::client_address; "" until set, as when unknown).
  void set_client_address(std::string address) { client_address_ = std::move(address); }

 private:
  // Pulls every chunk on the reader pool, one at a time, into r->body.
  bool Drain(Response* r) {
    std::shared_ptr<ChunkSource> source = std::move(r->stream);
    r->body.clear();
    for (;;) {
      struct Piece {
        Status status;
        std::string data;
        bool last = false;
      };
      std::optional<Piece> piece;
      reader_.Run(
          io_.get_executor(),
          [source](store::Store&) {
            Piece p;
            p.status = source->Next(&p.data, &p.last);
            return p;
          },
          [&piece](Piece p) { piece = std::move(p); });
      if (!rooms::testing::RunUntil(io_, [&] { return piece.has_value(); })) return false;
      if (!piece->status.ok()) return false;
      if (!piece->data.empty()) last_chunk_sizes_.push_back(piece->data.size());
      r->body += piece->data;
      if (piece->last) return true;
    }
  }

  rooms::testing::TestStore real_store_;
  FakeHealthStore store_{*real_store_};
  boost::asio::io_context io_;
  store::ReaderPool reader_{store_, 2};
  rooms::RoomRegistry rooms_{io_, reader_};
  views::ViewHub hub_{store_};
  Services services_{.store = store_, .reader = reader_, .rooms = rooms_, .views = hub_};
  Router router_;
  std::vector<size_t> last_chunk_sizes_;
  std::string client_address_;
};

inline std::optional<std::string> Header(const Response& r, std::string_view name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return std::nullopt;
}

}  // namespace confab::api::testing
