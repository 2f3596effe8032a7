#pragma once
// FeaturePopularity: how much each feature (event type) is used across all meetings, in total and
// per UTC day, and by how many meetings — for GET /api/analytics/features?from=&to=.
// Keeps one (ts, meeting) pair per event (16 bytes) so any [from, to) range is exact to the ms.
// Not thread-safe: owned by the ViewHub.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "views/projection.hpp"

namespace confab::views {

class FeaturePopularity final : public Projection {
 public:
  std::string_view name() const override { return "features"; }
  void OnEvent(const store::StoredEvent& ev, const nlohmann::json& parsed) override;
  void Clear() override;
  nlohmann::json Snapshot() override { return Query(std::nullopt, std::nullopt); }

  // Events with from_ms <= ts < to_ms (an absent bound is open). Shape in docs/views.md.
  nlohmann::json Query(std::optional<int64_t> from_ms, std::optional<int64_t> to_ms);

  uint64_t events() const { return events_; }

 private:
  struct Hit {
    int64_t ts;
    uint32_t meeting;
  };
  struct TypeHits {
    std::vector<Hit> hits;
    bool sorted = true;  // by (ts, meeting); appends keep it so until a rebuild interleaves meetings
  };

  std::map<std::string, TypeHits, std::less<>> types_;
  std::unordered_map<std::string, uint32_t> meeting_ids_;  // interned: hits hold the index
  uint64_t events_ = 0;
};

}  // namespace confab::views
