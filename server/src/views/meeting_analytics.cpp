#include "views/meeting_analytics.hpp"

namespace confab::views {

void MeetingAnalytics::OnEvent(const store::StoredEvent& ev, const nlohmann::json& parsed) {
  auto it = meetings_.find(ev.meeting_id);
  if (it == meetings_.end()) it = meetings_.emplace(ev.meeting_id, MeetingFold(ev.meeting_id)).first;
  it->second.Apply(ev, parsed);
}

nlohmann::json MeetingAnalytics::Snapshot() {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [id, fold] : meetings_) out[id] = fold.AnalyticsJson();
  return out;
}

const MeetingFold* MeetingAnalytics::Find(std::string_view meeting_id) const {
  auto it = meetings_.find(meeting_id);
  return it == meetings_.end() ? nullptr : &it->second;
}

}  // namespace confab::views
