#include "views/feature_popularity.hpp"

#include <algorithm>

#include "views/time_text.hpp"

namespace confab::views {
namespace {

bool HitLess(int64_t ts_a, uint32_t m_a, int64_t ts_b, uint32_t m_b) {
  return ts_a != ts_b ? ts_a < ts_b : m_a < m_b;
}

}  // namespace

void FeaturePopularity::OnEvent(const store::StoredEvent& ev, const nlohmann::json&) {
  auto [mit, _] = meeting_ids_.try_emplace(ev.meeting_id, static_cast<uint32_t>(meeting_ids_.size()));
  auto it = types_.find(ev.type);
  if (it == types_.end()) it = types_.emplace(ev.type, TypeHits{}).first;
  TypeHits& t = it->second;
  const Hit hit{ev.ts, mit->second};
  if (!t.hits.empty() && HitLess(hit.ts, hit.meeting, t.hits.back().ts, t.hits.back().meeting))
    t.sorted = false;
  t.hits.push_back(hit);
  ++events_;
}

void FeaturePopularity::Clear() {
  types_.clear();
  meeting_ids_.clear();
  events_ = 0;
}

nlohmann::json FeaturePopularity::Query(std::optional<int64_t> from_ms, std::optional<int64_t> to_ms) {
  struct TypeRow {
    std::string type;
    int64_t count = 0;
    int64_t meetings = 0;
  };
  std::vector<TypeRow> rows;
  std::map<int64_t, std::map<std::string, int64_t>> days;  // UTC day number -> type -> count
  // Distinct meetings, per type and overall: stamp[m] == the pass that last saw meeting m.
  std::vector<uint32_t> stamp(meeting_ids_.size(), 0), any(meeting_ids_.size(), 0);
  uint32_t pass = 0;
  int64_t total = 0, meetings_total = 0;

  for (auto& [type, t] : types_) {
    if (!t.sorted) {
      std::sort(t.hits.begin(), t.hits.end(),
                [](const Hit& a, const Hit& b) { return HitLess(a.ts, a.meeting, b.ts, b.meeting); });
      t.sorted = true;
    }
    auto begin = t.hits.begin();
    auto end = t.hits.end();
    if (from_ms)
      begin = std::lower_bound(begin, end, *from_ms, [](const Hit& h, int64_t v) { return h.ts < v; });
    if (to_ms) end = std::lower_bound(begin, end, *to_ms, [](const Hit& h, int64_t v) { return h.ts < v; });
    if (begin >= end) continue;
    ++pass;
    TypeRow row{.type = type};
    std::map<std::string, int64_t>* day_counts = nullptr;
    int64_t current_day = 0;
    for (auto h = begin; h != end; ++h) {
      ++row.count;
      if (stamp[h->meeting] != pass) stamp[h->meeting] = pass, ++row.meetings;
      if (!any[h->meeting]) any[h->meeting] = 1, ++meetings_total;
      const int64_t day = UtcDayOf(h->ts);
      if (day_counts == nullptr || day != current_day) {  // hits are sorted: days change rarely
        current_day = day;
        day_counts = &days[day];
      }
      ++(*day_counts)[type];
    }
    total += row.count;
    rows.push_back(std::move(row));
  }

  std::sort(rows.begin(), rows.end(), [](const TypeRow& a, const TypeRow& b) {
    return a.count != b.count ? a.count > b.count : a.type < b.type;
  });
  nlohmann::json types = nlohmann::json::array();
  for (const TypeRow& r : rows)
    types.push_back({{"type", r.type}, {"count", r.count}, {"meetings", r.meetings}});
  nlohmann::json day_list = nlohmann::json::array();
  for (const auto& [day, counts] : days) {
    int64_t n = 0;
    for (const auto& [_, c] : counts) n += c;
    day_list.push_back({{"day", FormatUtcDay(day * kMsPerDay)}, {"events", n}, {"types", counts}});
  }
  return {{"from", from_ms ? nlohmann::json(*from_ms) : nlohmann::json()},
          {"to", to_ms ? nlohmann::json(*to_ms) : nlohmann::json()},
          {"events", total},
          {"meetings", meetings_total},
          {"types", std::move(types)},
          {"days", std::move(day_list)}};
}

}  // namespace confab::views
