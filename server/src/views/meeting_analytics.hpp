#pragma once
// MeetingAnalytics: a MeetingFold per meeting, for GET /api/meetings/ID/analytics.
// Not thread-safe: owned by the ViewHub.
#include <map>
#include <string>
#include <string_view>

#include "views/meeting_fold.hpp"
#include "views/projection.hpp"

namespace confab::views {

class MeetingAnalytics final : public Projection {
 public:
  std::string_view name() const override { return "analytics"; }
  void OnEvent(const store::StoredEvent& ev, const nlohmann::json& parsed) override;
  void Clear() override { meetings_.clear(); }
  // {meeting_id: analytics} for every meeting seen.
  nlohmann::json Snapshot() override;

  // The fold of `meeting_id`, nullptr when no event of it was seen.
  const MeetingFold* Find(std::string_view meeting_id) const;
  size_t meetings() const { return meetings_.size(); }

 private:
  std::map<std::string, MeetingFold, std::less<>> meetings_;
};

}  // namespace confab::views
