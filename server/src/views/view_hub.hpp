#pragma once
// ViewHub: owns every projection, feeds them each committed event once, and answers reads.
//
// Threading: every method takes one internal mutex, so the hub is safe from any thread. Rooms call
// OnCommitted on the io thread after each commit and HTTP reads run there too, so the mutex is
// uncontended in `serve`; it exists so a CLI command, a test or a future reader thread needs no
// rule of its own. Reads return copies (JSON), never references into the projections.
#include <cstdint>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.hpp"
#include "util/status.hpp"
#include "views/feature_popularity.hpp"
#include "views/meeting_analytics.hpp"

namespace confab::views {

struct ViewHubStats {
  uint64_t events = 0;      // events folded
  uint64_t duplicates = 0;  // skipped: seq at or below the meeting's last folded seq
  uint64_t unparsable = 0;  // skipped: json did not parse
  uint64_t gaps = 0;        // events whose seq skipped ahead (a meeting fed from the middle)
  uint64_t meetings = 0;
};

class ViewHub {
 public:
  ViewHub() = default;
  ViewHub(const ViewHub&) = delete;
  ViewHub& operator=(const ViewHub&) = delete;

  // Feeds committed events (one meeting's, in seq order) to every projection. An event at or below
  // the meeting's last folded seq is skipped, so re-delivery after a room reload is harmless.
  void OnCommitted(std::span<const store::StoredEvent> events);
  // The same for one event the caller has already parsed (a Room holds the parsed JSON).
  void OnCommitted(const store::StoredEvent& ev, const nlohmann::json& parsed);

  // Forgets everything and folds the whole log (at start-up, or `confab rebuild-views`).
  Status RebuildAll(store::Store& store);

  // Analytics of one meeting. NotFound when the hub has no event of it; Unavailable when the
  // hub's fold of it is incomplete (it was fed from the middle of its log — see Complete()).
  Status AnalyticsOf(std::string_view meeting_id, nlohmann::json* out);
  // True when the hub folded the meeting's log from seq 1 without gaps.
  bool Complete(std::string_view meeting_id);

  nlohmann::json Features(std::optional<int64_t> from_ms, std::optional<int64_t> to_ms);

  // Every projection's snapshot, {"analytics": …, "features": …}: rebuilt == live compares these.
  nlohmann::json Snapshot();
  ViewHubStats Stats();

 private:
  void FeedLocked(const store::StoredEvent& ev, const nlohmann::json& parsed);

  struct Progress {
    int64_t last_seq = 0;
    bool complete = true;
  };

  std::mutex mu_;
  views::MeetingAnalytics analytics_;
  FeaturePopularity features_;
  std::unordered_map<std::string, Progress> progress_;
  ViewHubStats stats_;
};

}  // namespace confab::views
