#pragma once
// Helpers for views_tests: scripted meetings with known timestamps, and an in-memory Store.
// Not part of the library.
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.hpp"

namespace confab::views::testing {

// Builds one meeting's log: each Add() takes the next seq, at the ts given.
class MeetingScript {
 public:
  explicit MeetingScript(std::string meeting_id) : meeting_id_(std::move(meeting_id)) {}

  const store::StoredEvent& Add(int64_t ts, const std::string& pid, const std::string& name,
                                const std::string& type, nlohmann::json data) {
    store::StoredEvent e;
    e.meeting_id = meeting_id_;
    e.seq = static_cast<int64_t>(events_.size()) + 1;
    e.id = meeting_id_ + "-ev-" + std::to_string(e.seq);
    e.type = type;
    e.actor_pid = pid;
    e.ts = ts;
    e.replayed = type != "reaction";
    e.json = nlohmann::json{{"seq", e.seq}, {"id", e.id},
                            {"type", type}, {"actor", {{"pid", pid}, {"name", name}}},
                            {"ts", ts},     {"data", std::move(data)}}
                 .dump();
    events_.push_back(std::move(e));
    return events_.back();
  }

  const std::string& meeting_id() const { return meeting_id_; }
  const std::vector<store::StoredEvent>& events() const { return events_; }

 private:
  std::string meeting_id_;
  std::vector<store::StoredEvent> events_;
};

// A Store in memory: appends and snapshots commit at once (callback inline), feature usage is kept
// per (type, UTC day, meeting) as the writer keeps it. Enough for the views' reads. Counts the
// events it hands out, so tests can see how much of a log a query read.
class MemoryStore final : public store::Store {
 public:
  void Load(const MeetingScript& script) {
    store::AppendRequest req;
    req.meeting_id = script.meeting_id();
    req.create = store::MeetingRecord{script.meeting_id(), "hash", script.events().front().ts};
    req.events = script.events();
    Append(std::move(req), [](Status) {});
  }

  void Append(store::AppendRequest req, std::function<void(Status)> done) override {
    std::unique_lock lock(mu_);
    if (req.create) meetings_[req.meeting_id].record = *req.create;
    auto it = meetings_.find(req.meeting_id);
    if (it == meetings_.end()) {
      lock.unlock();
      return done(Status::NotFound());
    }
    for (auto& e : req.events) {
      e.meeting_id = req.meeting_id;
      if (e.seq != static_cast<int64_t>(it->second.events.size()) + 1) {
        lock.unlock();
        return done(Status::Conflict());
      }
      it->second.events.push_back(e);
      usage_[{e.type, FloorDay(e.ts), req.meeting_id}]++;
    }
    lock.unlock();
    done(Status::Ok());
  }
  void Flush() override {}
  Status GetMeeting(std::string_view id, store::MeetingRecord* out) override {
    std::lock_guard lock(mu_);
    auto it = meetings_.find(std::string(id));
    if (it == meetings_.end()) return Status::NotFound("no such meeting");
    *out = it->second.record;
    return Status::Ok();
  }
  Status HeadSeq(std::string_view id, int64_t* out) override {
    std::lock_guard lock(mu_);
    auto it = meetings_.find(std::string(id));
    if (it == meetings_.end()) return Status::NotFound();
    *out = static_cast<int64_t>(it->second.events.size());
    return Status::Ok();
  }
  Status ReadEvents(std::string_view id, int64_t after, size_t limit, bool replayed_only,
                    std::vector<store::StoredEvent>* out) override {
    out->clear();
    return ScanEvents(id, after, [&](const store::StoredEvent& e) {
      if (!replayed_only || e.replayed) out->push_back(e);
      return limit == 0 || out->size() < limit;
    });
  }
  Status ScanEvents(std::string_view id, int64_t after,
                    const std::function<bool(const store::StoredEvent&)>& fn) override {
    std::vector<store::StoredEvent> copy;
    std::function<void()> hook;
    {
      std::lock_guard lock(mu_);
      auto it = meetings_.find(std::string(id));
      if (it == meetings_.end()) return Status::NotFound();
      copy = it->second.events;
      hook = std::move(on_next_scan_);
      on_next_scan_ = nullptr;
    }
    if (hook) hook();  // after the copy: what it appends is not in this scan
    for (const auto& e : copy) {
      if (e.seq <= after) continue;
      events_read_++;
      if (!fn(e)) break;
    }
    return Status::Ok();
  }
  Status ScanAll(const std::function<bool(const store::StoredEvent&)>& fn) override {
    std::vector<std::string> ids;
    {
      std::lock_guard lock(mu_);
      for (const auto& [id, _] : meetings_) ids.push_back(id);
    }
    for (const auto& id : ids) {
      bool more = true;
      ScanEvents(id, 0, [&](const store::StoredEvent& e) { return more = fn(e); });
      if (!more) break;
    }
    return Status::Ok();
  }
  Status FindEventSeq(std::string_view, std::string_view, int64_t*) override { return Status::NotFound(); }
  Status GetCredential(std::string_view, std::string_view, store::Credential*) override {
    return Status::NotFound();
  }
  Status ListMeetings(std::vector<store::MeetingRecord>* out) override {
    std::lock_guard lock(mu_);
    out->clear();
    for (const auto& [_, m] : meetings_) out->push_back(m.record);
    return Status::Ok();
  }
  void PutSnapshot(store::Snapshot snap, std::function<void(Status)> done) override {
    {
      std::lock_guard lock(mu_);
      const std::string id = snap.meeting_id;
      const int64_t seq = snap.seq;
      snapshots_[id][seq] = std::move(snap);
    }
    done(Status::Ok());
  }
  Status LatestSnapshot(std::string_view id, int64_t max_seq, int64_t max_ts, store::Snapshot* out) override {
    std::lock_guard lock(mu_);
    auto it = snapshots_.find(std::string(id));
    if (it == snapshots_.end()) return Status::NotFound("no snapshot");
    for (auto s = it->second.rbegin(); s != it->second.rend(); ++s) {
      if (s->first <= max_seq && s->second.last_ts <= max_ts) {
        *out = s->second;
        return Status::Ok();
      }
    }
    return Status::NotFound("no snapshot");
  }
  Status ScanFeatureUsage(int64_t from_day, int64_t to_day,
                          const std::function<bool(const store::FeatureUsage&)>& fn) override {
    std::vector<store::FeatureUsage> rows;
    {
      std::lock_guard lock(mu_);
      for (const auto& [key, n] : usage_) {
        const auto& [type, day, meeting] = key;
        if (day >= from_day && day < to_day) rows.push_back({type, day, meeting, n});
      }
    }
    for (const auto& r : rows)
      if (!fn(r)) break;
    return Status::Ok();
  }
  Status WriterHealth() const override { return Status::Ok(); }
  store::StoreStats Stats() const override { return {}; }

  // Test hooks.
  uint64_t events_read() const { return events_read_; }
  size_t snapshot_count(const std::string& id) {
    std::lock_guard lock(mu_);
    return snapshots_.count(id) ? snapshots_[id].size() : 0;
  }
  // Replaces a snapshot's text behind the views' back (a corrupt or foreign snapshot).
  void CorruptSnapshot(const std::string& id, int64_t seq, std::string state_json) {
    std::lock_guard lock(mu_);
    snapshots_[id][seq].state_json = std::move(state_json);
  }
  // Runs `fn` once, in the next ScanEvents, after that scan has taken its view of the log (a commit
  // racing a read).
  void OnNextScan(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    on_next_scan_ = std::move(fn);
  }
  // Drops usage rows (a writer that lost count), for the rebuild-views check.
  void ClearUsage() {
    std::lock_guard lock(mu_);
    usage_.clear();
  }
  std::string Describe() const override { return "memory:"; }

 private:
  struct Meeting {
    store::MeetingRecord record;
    std::vector<store::StoredEvent> events;
  };
  static int64_t FloorDay(int64_t ms) {
    constexpr int64_t kDay = 86'400'000;
    return ms >= 0 ? ms / kDay : -((-ms + kDay - 1) / kDay);
  }

  std::mutex mu_;
  std::map<std::string, Meeting> meetings_;
  std::map<std::string, std::map<int64_t, store::Snapshot>> snapshots_;
  std::map<std::tuple<std::string, int64_t, std::string>, int64_t> usage_;
  std::atomic<uint64_t> events_read_{0};
  std::function<void()> on_next_scan_;
};

// 2024-11-28T05:00:00.000Z: every scripted ts is an offset from it.
inline constexpr int64_t kT0 = 1732770000000;

// A small retro whose analytics were worked out by hand (meeting_analytics_test.cpp):
// k1 is discussed twice (300 000 ms done, then 45 000 ms still running at the last event),
// k2 once (90 500 ms, parked), k3 never; k4 is merged into k1. One reaction falls outside any
// discussion and names no card.
inline MeetingScript RetroScript(const std::string& meeting_id = "m_retro") {
  MeetingScript s(meeting_id);
  const std::string A = "p_ada", B = "p_bob";
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "Retro #7"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  s.Add(kT0 + 1000, A, "Ada", "participant_joined", {{"name", "Ada"}});
  s.Add(kT0 + 2000, B, "Bob", "participant_joined", {{"name", "Bob"}});
  s.Add(kT0 + 10000, A, "Ada", "card_added", {{"card_id", "k1"}, {"title", "Why are builds slow?"}});
  s.Add(kT0 + 11000, B, "Bob", "card_added", {{"card_id", "k2"}, {"title", "Flaky tests"}});
  s.Add(kT0 + 12000, B, "Bob", "card_added", {{"card_id", "k3"}, {"title", "Lunch options"}});
  s.Add(kT0 + 13000, A, "Ada", "card_added", {{"card_id", "k4"}, {"title", "Builds again"}});
  s.Add(kT0 + 20000, B, "Bob", "phase_changed", {{"phase", "vote"}});
  s.Add(kT0 + 21000, A, "Ada", "card_voted", {{"card_id", "k1"}});
  s.Add(kT0 + 22000, A, "Ada", "card_voted", {{"card_id", "k1"}});
  s.Add(kT0 + 23000, B, "Bob", "card_voted", {{"card_id", "k4"}});
  s.Add(kT0 + 24000, B, "Bob", "card_voted", {{"card_id", "k2"}});
  s.Add(kT0 + 25000, A, "Ada", "vote_withdrawn", {{"card_id", "k1"}});
  s.Add(kT0 + 26000, A, "Ada", "card_merged", {{"card_id", "k4"}, {"into_card_id", "k1"}});
  s.Add(kT0 + 27000, A, "Ada", "card_voted", {{"card_id", "k3"}});
  s.Add(kT0 + 30000, A, "Ada", "reaction", {{"emoji", "🔥"}});
  s.Add(kT0 + 60000, B, "Bob", "phase_changed", {{"phase", "discuss"}});
  s.Add(kT0 + 60000, B, "Bob", "discussion_started", {{"card_id", "k1"}});
  s.Add(kT0 + 70000, A, "Ada", "reaction", {{"emoji", "👍"}, {"card_id", "k1"}});
  s.Add(kT0 + 80000, B, "Bob", "reaction", {{"emoji", "🎉"}});
  s.Add(kT0 + 90000, B, "Bob", "reaction", {{"emoji", "🤔"}, {"card_id", "k2"}});
  s.Add(kT0 + 100000, A, "Ada", "continue_voted", {{"vote", "up"}});
  s.Add(kT0 + 110000, A, "Ada", "note_added",
        {{"card_id", "k1"}, {"note_id", "n1"}, {"text", "Cache deps"}, {"kind", "takeaway"}});
  s.Add(kT0 + 120000, B, "Bob", "note_added",
        {{"card_id", "k1"}, {"note_id", "n2"}, {"text", "Bob buys [more] *RAM*"}, {"kind", "action"}});
  s.Add(kT0 + 360000, B, "Bob", "discussion_finished", {{"card_id", "k1"}, {"outcome", "done"}});
  s.Add(kT0 + 400000, B, "Bob", "discussion_started", {{"card_id", "k2"}});
  s.Add(kT0 + 410000, A, "Ada", "reaction", {{"emoji", "👎"}});
  s.Add(kT0 + 420000, A, "Ada", "reaction", {{"emoji", "😢"}, {"card_id", "k2"}});
  s.Add(kT0 + 490500, B, "Bob", "discussion_finished", {{"card_id", "k2"}, {"outcome", "parked"}});
  s.Add(kT0 + 500000, B, "Bob", "discussion_started", {{"card_id", "k1"}});
  s.Add(kT0 + 510000, B, "Bob", "reaction", {{"emoji", "❤️"}});
  s.Add(kT0 + 520000, B, "Bob", "timer_started", {{"seconds", 60}});
  s.Add(kT0 + 545000, A, "Ada", "reaction", {{"emoji", "😂"}});
  return s;
}

}  // namespace confab::views::testing
