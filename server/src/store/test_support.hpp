#pragma once
// Helpers for tests that need a real SQLite file (store_tests, cli_tests). Not part of the library.
#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>
#include <string>

#include "store/store.hpp"
#include "util/crypto.hpp"

namespace confab::store::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() : path_(std::filesystem::temp_directory_path() / ("confab-test-" + RandomHex(8))) {
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// An event as a room would store it: the broadcast JSON plus its indexed columns.
inline StoredEvent MakeEvent(int64_t seq, std::string id, std::string type = "card_added",
                             bool replayed = true, std::string pid = "p_ada") {
  StoredEvent e;
  e.seq = seq;
  e.id = std::move(id);
  e.type = std::move(type);
  e.actor_pid = std::move(pid);
  e.ts = 1732770000000 + seq;
  e.replayed = replayed;
  e.json = nlohmann::json{{"seq", e.seq},   {"id", e.id},
                          {"type", e.type}, {"actor", {{"pid", e.actor_pid}, {"name", "Ada"}}},
                          {"ts", e.ts},     {"data", nlohmann::json::object()}}
               .dump();
  return e;
}

// The request that creates `meeting_id` with its meeting_created event at seq 1.
inline AppendRequest CreateRequest(const std::string& meeting_id, int64_t created_ts = 1732770000000) {
  AppendRequest req;
  req.meeting_id = meeting_id;
  req.create = MeetingRecord{meeting_id, HashSecret("token-" + meeting_id), created_ts};
  req.events.push_back(MakeEvent(1, "ev-" + meeting_id + "-1", "meeting_created"));
  return req;
}

// Appends and waits for the outcome.
inline Status AppendAndWait(Store& store, AppendRequest req) {
  std::promise<Status> done;
  auto result = done.get_future();
  store.Append(std::move(req), [&](Status s) { done.set_value(std::move(s)); });
  return result.get();
}

// Puts a snapshot and waits for the outcome.
inline Status PutSnapshotAndWait(Store& store, Snapshot snap) {
  std::promise<Status> done;
  auto result = done.get_future();
  store.PutSnapshot(std::move(snap), [&](Status s) { done.set_value(std::move(s)); });
  return result.get();
}

}  // namespace confab::store::testing
