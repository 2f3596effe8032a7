#include "views/view_hub.hpp"

namespace confab::views {

void ViewHub::FeedLocked(const store::StoredEvent& ev, const nlohmann::json& parsed) {
  Progress& p = progress_[ev.meeting_id];
  if (ev.seq <= p.last_seq) {
    ++stats_.duplicates;
    return;
  }
  if (ev.seq != p.last_seq + 1) {
    p.complete = false;
    ++stats_.gaps;
  }
  p.last_seq = ev.seq;
  analytics_.OnEvent(ev, parsed);
  features_.OnEvent(ev, parsed);
  ++stats_.events;
}

void ViewHub::OnCommitted(std::span<const store::StoredEvent> events) {
  for (const store::StoredEvent& ev : events) {
    // Parse outside the lock: it is the costly part and needs no shared state.
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    std::lock_guard lock(mu_);
    if (parsed.is_discarded()) {
      ++stats_.unparsable;
      continue;
    }
    FeedLocked(ev, parsed);
  }
}

void ViewHub::OnCommitted(const store::StoredEvent& ev, const nlohmann::json& parsed) {
  std::lock_guard lock(mu_);
  FeedLocked(ev, parsed);
}

Status ViewHub::RebuildAll(store::Store& store) {
  std::lock_guard lock(mu_);
  analytics_.Clear();
  features_.Clear();
  progress_.clear();
  stats_ = {};
  // One scan feeds every projection (Projection::Rebuild would scan once per projection).
  return store.ScanAll([this](const store::StoredEvent& ev) {
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      ++stats_.unparsable;
    } else {
      FeedLocked(ev, parsed);
    }
    return true;
  });
}

Status ViewHub::AnalyticsOf(std::string_view meeting_id, nlohmann::json* out) {
  std::lock_guard lock(mu_);
  const MeetingFold* fold = analytics_.Find(meeting_id);
  if (fold == nullptr) return Status::NotFound("meeting not in views");
  auto it = progress_.find(std::string(meeting_id));
  if (it != progress_.end() && !it->second.complete) return Status::Unavailable("views hold a partial log");
  *out = fold->AnalyticsJson();
  return Status::Ok();
}

bool ViewHub::Complete(std::string_view meeting_id) {
  std::lock_guard lock(mu_);
  auto it = progress_.find(std::string(meeting_id));
  return it != progress_.end() && it->second.complete;
}

nlohmann::json ViewHub::Features(std::optional<int64_t> from_ms, std::optional<int64_t> to_ms) {
  std::lock_guard lock(mu_);
  return features_.Query(from_ms, to_ms);
}

nlohmann::json ViewHub::Snapshot() {
  std::lock_guard lock(mu_);
  return {{std::string(analytics_.name()), analytics_.Snapshot()},
          {std::string(features_.name()), features_.Snapshot()}};
}

ViewHubStats ViewHub::Stats() {
  std::lock_guard lock(mu_);
  ViewHubStats s = stats_;
  s.meetings = analytics_.meetings();
  return s;
}

}  // namespace confab::views
