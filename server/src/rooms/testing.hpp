#pragma once
// Helpers for rooms_tests and channels_tests: a real SQLite store in a temp dir, meetings created the
// way POST /api/meetings creates them, and a way to run the io thread until something happened.
// Not part of the library.
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store.hpp"
#include "store/test_support.hpp"
#include "util/crypto.hpp"
#include "util/thread_role.hpp"

namespace confab::rooms::testing {

// A fresh SQLite store, deleted with its directory.
class TestStore {
 public:
  TestStore() {
    Status s = store::OpenStore("sqlite:" + dir_.File("confab.db"), &store_);
    if (!s.ok()) throw std::runtime_error("open store: " + s.ToString());
  }
  store::Store& operator*() { return *store_; }
  store::Store* operator->() { return store_.get(); }
  // Closes the store (everything queued commits) and opens the same file again.
  void Reopen() {
    store_.reset();
    Status s = store::OpenStore("sqlite:" + dir_.File("confab.db"), &store_);
    if (!s.ok()) throw std::runtime_error("reopen store: " + s.ToString());
  }

 private:
  store::testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
};

// Creates meeting `id` with facilitator token `token`: the meeting row and meeting_created at seq 1.
inline void CreateMeeting(store::Store& st, const std::string& id,
                          const std::string& token = "facilitator-token") {
  store::AppendRequest req;
  req.meeting_id = id;
  const int64_t ts = 1732770000000;
  req.create = store::MeetingRecord{id, HashSecret(token), ts};
  store::StoredEvent& e = req.events.emplace_back();
  e.meeting_id = id;
  e.seq = 1;
  e.id = RandomUuid();
  e.type = "meeting_created";
  e.ts = ts;
  e.json = nlohmann::json{{"seq", 1},
                          {"id", e.id},
                          {"type", "meeting_created"},
                          {"actor", {{"pid", ""}, {"name", ""}}},
                          {"ts", ts},
                          {"data", {{"title", "Retro"}, {"votes_per_person", 3}, {"timebox_s", 300}}}}
               .dump();
  Status s = store::testing::AppendAndWait(st, std::move(req));
  if (!s.ok()) throw std::runtime_error("create meeting: " + s.ToString());
}

// Runs handlers on `io` (this thread is the io thread) until `done()` holds or `timeout` passes. The
// thread is marked as an io thread meanwhile, as the server's are: a handler that makes a blocking
// store call is caught (util/thread_role.hpp; it aborts in debug builds).
inline bool RunUntil(boost::asio::io_context& io, const std::function<bool()>& done,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  IoThreadScope io_thread;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  // Finish the io turn: what is ready now (a room's posted broadcast of the commits just answered)
  // runs too, so a test that waited for an ack also sees its broadcast.
  io.restart();
  io.poll();
  return true;
}

}  // namespace confab::rooms::testing
