#pragma once
// Feature popularity: how much each feature (event type) is used across all meetings, in total and
// per UTC day, and by how many meetings — GET /api/analytics/features?from=&to= (docs/views.md).
//
// Answered from the store's usage table (Store::ScanFeatureUsage: events per type, UTC day and
// meeting, kept by the writer in the transaction that stores the events), so the server holds
// nothing for it and folds nothing at start-up. The table's grain is the UTC day, so a range is
// widened to the whole UTC days it touches.
//
// Threading: FeaturePopularityJson BLOCKS on the store (ReaderPool thread). FeatureUsageCount is a
// plain value, not thread-safe.
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::views {

// The UTC days [from_day, to_day) that a half-open ms range [from_ms, to_ms) touches; an absent
// bound stays open (nullopt).
struct DayRange {
  std::optional<int64_t> from_day, to_day;
};
DayRange DaysOf(std::optional<int64_t> from_ms, std::optional<int64_t> to_ms);

// The usage of the days `from_ms`/`to_ms` touch. Shape in docs/views.md; "from"/"to" echo the
// bounds actually answered (UTC midnights). Invalid when from_ms > to_ms.
Status FeaturePopularityJson(store::Store& store, std::optional<int64_t> from_ms,
                             std::optional<int64_t> to_ms, nlohmann::json* out);

// The usage rows a log implies, recounted from its events: what the writer should have kept
// (`confab rebuild-views` and tests compare the two).
class FeatureUsageCount {
 public:
  void Add(const store::StoredEvent& ev);
  // Sorted by (type, day, meeting_id).
  std::vector<store::FeatureUsage> Rows() const;
  uint64_t events() const { return events_; }

 private:
  std::map<std::tuple<std::string, int64_t, std::string>, int64_t> counts_;
  uint64_t events_ = 0;
};

}  // namespace confab::views
