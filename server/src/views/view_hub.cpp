#include "views/view_hub.hpp"

#include <algorithm>

namespace confab::views {

struct ViewHub::Entry {
  explicit Entry(std::string meeting_id) : fold(std::move(meeting_id)) {}

  // An event committed while the fold was being read from the store.
  struct Queued {
    store::StoredEvent ev;
    nlohmann::json parsed;
    bool parsed_ok = false;
  };

  MeetingFold fold;
  int64_t last_seq = 0;                  // the last seq folded (unparsable rows included)
  uint64_t load = 0;                     // nonzero while a miss folds it from the store: that load's id
  std::vector<Queued> queued;            // while loading
  std::list<std::string>::iterator lru;  // valid once loaded
};

namespace {

// False when `ev` skips ahead of the fold: it no longer is the meeting's log.
bool Fold(MeetingFold& fold, int64_t* last_seq, const store::StoredEvent& ev, const nlohmann::json* parsed,
          ViewHubStats* stats) {
  if (ev.seq <= *last_seq) {
    ++stats->duplicates;
    return true;
  }
  if (ev.seq != *last_seq + 1) {
    ++stats->gaps;
    return false;
  }
  *last_seq = ev.seq;
  if (parsed != nullptr) {
    fold.Apply(ev, *parsed);
  } else {
    ++stats->unparsable;  // skipped, as FoldMeeting skips it: live and from-store folds agree
  }
  ++stats->events;
  return true;
}

}  // namespace

ViewHub::ViewHub(store::Store& store, ViewHubOptions options) : store_(store), options_(options) {}
ViewHub::~ViewHub() = default;

void ViewHub::TouchLocked(Entry& e) {
  lru_.splice(lru_.begin(), lru_, e.lru);
}

void ViewHub::EraseLocked(Entries::iterator it) {
  if (it->second->load == 0) lru_.erase(it->second->lru);
  entries_.erase(it);
}

void ViewHub::EvictLocked() {
  while (lru_.size() > std::max<size_t>(1, options_.max_meetings)) {
    auto victim = entries_.find(lru_.back());
    lru_.pop_back();
    entries_.erase(victim);
    ++stats_.evictions;
  }
}

void ViewHub::FeedLocked(const store::StoredEvent& ev, const nlohmann::json* parsed) {
  auto it = entries_.find(ev.meeting_id);
  if (it == entries_.end()) {
    if (ev.seq != 1) {
      ++stats_.ignored;
      return;
    }
    // A log from its first event (a new meeting) is whole without reading the store.
    auto e = std::make_unique<Entry>(ev.meeting_id);
    lru_.push_front(ev.meeting_id);
    e->lru = lru_.begin();
    it = entries_.emplace(ev.meeting_id, std::move(e)).first;
    EvictLocked();  // never the new one: it is the most recent
  }
  Entry& e = *it->second;
  if (e.load != 0) {
    e.queued.push_back({ev, parsed ? *parsed : nlohmann::json(), parsed != nullptr});
    return;
  }
  TouchLocked(e);
  if (!Fold(e.fold, &e.last_seq, ev, parsed, &stats_)) EraseLocked(it);
}

void ViewHub::OnCommitted(std::span<const store::StoredEvent> events) {
  if (events.empty()) return;
  {
    std::lock_guard lock(mu_);
    if (events.front().seq != 1 && entries_.find(events.front().meeting_id) == entries_.end()) {
      stats_.ignored += events.size();  // not held: not worth parsing
      return;
    }
  }
  // Parse outside the lock: it is the costly part and needs no shared state.
  std::vector<nlohmann::json> parsed;
  parsed.reserve(events.size());
  for (const store::StoredEvent& ev : events)
    parsed.push_back(nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false));
  std::lock_guard lock(mu_);
  for (size_t i = 0; i < events.size(); ++i)
    FeedLocked(events[i], parsed[i].is_discarded() ? nullptr : &parsed[i]);
}

void ViewHub::OnCommitted(const store::StoredEvent& ev, const nlohmann::json& parsed) {
  std::lock_guard lock(mu_);
  FeedLocked(ev, parsed.is_discarded() ? nullptr : &parsed);
}

Status ViewHub::Analytics(std::string_view meeting_id, nlohmann::json* out) {
  uint64_t load = 0;
  {
    std::lock_guard lock(mu_);
    auto it = entries_.find(meeting_id);
    if (it != entries_.end() && it->second->load == 0) {
      TouchLocked(*it->second);
      *out = it->second->fold.AnalyticsJson();
      return Status::Ok();
    }
    if (it == entries_.end()) {
      // Registered before the store is read, so events committed from now on are queued for it.
      load = ++next_load_;
      auto e = std::make_unique<Entry>(std::string(meeting_id));
      e->load = load;
      entries_.emplace(std::string(meeting_id), std::move(e));
    }
    // Else another thread is loading it: fold a copy of our own and keep nothing.
  }

  MeetingFold fold{std::string(meeting_id)};
  int64_t last_seq = 0;
  ViewHubStats scratch;  // the store fold's counts are not live events
  store::MeetingRecord record;
  Status s = store_.GetMeeting(meeting_id, &record);
  if (s.ok()) {
    s = store_.ScanEvents(meeting_id, 0, [&](const store::StoredEvent& ev) {
      nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
      last_seq = std::max(last_seq, ev.seq - 1);  // a gap in the stored log is folded over, not refused
      Fold(fold, &last_seq, ev, parsed.is_discarded() ? nullptr : &parsed, &scratch);
      return true;
    });
  }

  std::unique_lock lock(mu_);
  auto it = entries_.find(meeting_id);
  const bool mine = load != 0 && it != entries_.end() && it->second->load == load;
  if (!s.ok()) {
    if (mine) EraseLocked(it);
    return s;
  }
  if (!mine) {
    lock.unlock();
    *out = fold.AnalyticsJson();
    return Status::Ok();
  }
  Entry& e = *it->second;
  e.fold = std::move(fold);
  e.last_seq = last_seq;
  e.load = 0;
  lru_.push_front(e.fold.meeting_id());
  e.lru = lru_.begin();
  ++stats_.loads;
  bool whole = true;
  for (const Entry::Queued& q : e.queued) {
    if (!(whole = Fold(e.fold, &e.last_seq, q.ev, q.parsed_ok ? &q.parsed : nullptr, &stats_))) break;
  }
  e.queued = {};
  *out = e.fold.AnalyticsJson();
  if (!whole) {
    EraseLocked(it);
  } else {
    EvictLocked();
  }
  return Status::Ok();
}

bool ViewHub::Holds(std::string_view meeting_id) {
  std::lock_guard lock(mu_);
  auto it = entries_.find(meeting_id);
  return it != entries_.end() && it->second->load == 0;
}

ViewHubStats ViewHub::Stats() {
  std::lock_guard lock(mu_);
  ViewHubStats s = stats_;
  s.meetings = lru_.size();
  return s;
}

}  // namespace confab::views
