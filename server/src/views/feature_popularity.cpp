#include "views/feature_popularity.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "views/time_text.hpp"

namespace confab::views {

DayRange DaysOf(std::optional<int64_t> from_ms, std::optional<int64_t> to_ms) {
  DayRange r;
  if (from_ms) r.from_day = UtcDayOf(*from_ms);
  if (to_ms) {
    // The day holding to_ms - 1 is the last one touched; written so that no bound overflows.
    const int64_t rem = ((*to_ms % kMsPerDay) + kMsPerDay) % kMsPerDay;
    r.to_day = UtcDayOf(*to_ms) + (rem != 0 ? 1 : 0);
  }
  if (from_ms && to_ms && *from_ms == *to_ms) r.to_day = r.from_day;  // an empty range touches no day
  return r;
}

Status FeaturePopularityJson(store::Store& store, std::optional<int64_t> from_ms,
                             std::optional<int64_t> to_ms, nlohmann::json* out) {
  if (from_ms && to_ms && *from_ms > *to_ms) return Status::Invalid("from is after to");
  const DayRange days = DaysOf(from_ms, to_ms);

  struct TypeRow {
    int64_t count = 0;
    int64_t meetings = 0;
    std::vector<bool> seen;  // by interned meeting
  };
  std::map<std::string, TypeRow, std::less<>> types;
  std::map<int64_t, std::map<std::string, int64_t>> per_day;  // day -> type -> events
  std::unordered_map<std::string, uint32_t> meeting_ids;      // interned, so `seen` is a bitmap
  int64_t total = 0;
  Status s = store.ScanFeatureUsage(
      days.from_day.value_or(std::numeric_limits<int64_t>::min()),
      days.to_day.value_or(std::numeric_limits<int64_t>::max()), [&](const store::FeatureUsage& u) {
        if (u.events <= 0) return true;
        const uint32_t m = meeting_ids.try_emplace(u.meeting_id, meeting_ids.size()).first->second;
        auto it = types.find(u.type);
        if (it == types.end()) it = types.emplace(u.type, TypeRow{}).first;
        TypeRow& t = it->second;
        t.count += u.events;
        if (t.seen.size() <= m) t.seen.resize(m + 1);
        if (!t.seen[m]) t.seen[m] = true, ++t.meetings;
        per_day[u.day][u.type] += u.events;
        total += u.events;
        return true;
      });
  if (!s.ok()) return s;

  std::vector<std::pair<std::string, const TypeRow*>> rows;
  for (const auto& [type, row] : types) rows.emplace_back(type, &row);
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second->count != b.second->count ? a.second->count > b.second->count : a.first < b.first;
  });
  nlohmann::json type_list = nlohmann::json::array();
  for (const auto& [type, row] : rows)
    type_list.push_back({{"type", type}, {"count", row->count}, {"meetings", row->meetings}});
  nlohmann::json day_list = nlohmann::json::array();
  for (const auto& [day, counts] : per_day) {
    int64_t n = 0;
    for (const auto& [_, c] : counts) n += c;
    day_list.push_back({{"day", FormatUtcDay(day * kMsPerDay)}, {"events", n}, {"types", counts}});
  }
  // Only rows with events name a meeting, so every interned meeting counts.
  *out = {{"from", days.from_day ? nlohmann::json(*days.from_day * kMsPerDay) : nlohmann::json()},
          {"to", days.to_day ? nlohmann::json(*days.to_day * kMsPerDay) : nlohmann::json()},
          {"events", total},
          {"meetings", meeting_ids.size()},
          {"types", std::move(type_list)},
          {"days", std::move(day_list)}};
  return Status::Ok();
}

void FeatureUsageCount::Add(const store::StoredEvent& ev) {
  ++counts_[{ev.type, UtcDayOf(ev.ts), ev.meeting_id}];
  ++events_;
}

std::vector<store::FeatureUsage> FeatureUsageCount::Rows() const {
  std::vector<store::FeatureUsage> out;
  out.reserve(counts_.size());
  for (const auto& [key, n] : counts_)
    out.push_back(store::FeatureUsage{std::get<0>(key), std::get<1>(key), std::get<2>(key), n});
  return out;
}

}  // namespace confab::views
