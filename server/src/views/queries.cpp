#include "views/queries.hpp"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <tuple>
#include <vector>

#include "views/feature_popularity.hpp"
#include "views/state_at.hpp"
#include "views/streams.hpp"
#include "views/summary.hpp"
#include "views/time_text.hpp"

namespace confab::views {

Status MeetingAnalyticsJson(ViewHub& hub, std::string_view meeting_id, nlohmann::json* out) {
  return hub.Analytics(meeting_id, out);
}

Status FeaturesJson(store::Store& store, std::optional<int64_t> from_ms, std::optional<int64_t> to_ms,
                    nlohmann::json* out) {
  return FeaturePopularityJson(store, from_ms, to_ms, out);
}

Status FeaturesJson(store::Store& store, std::string_view from, std::string_view to, nlohmann::json* out) {
  std::optional<int64_t> from_ms, to_ms;
  if (!from.empty()) {
    int64_t v;
    if (Status s = ParseTimeBound(from, /*end_of_day=*/false, &v); !s.ok())
      return Status::Invalid("from: " + s.message());
    from_ms = v;
  }
  if (!to.empty()) {
    int64_t v;
    if (Status s = ParseTimeBound(to, /*end_of_day=*/true, &v); !s.ok())
      return Status::Invalid("to: " + s.message());
    to_ms = v;
  }
  return FeaturesJson(store, from_ms, to_ms, out);
}

Status AuditJson(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                 nlohmann::json* out) {
  std::unique_ptr<ChunkSource> source;
  if (Status s = OpenAuditJson(store, meeting_id, filter, &source); !s.ok()) return s;
  std::string body;
  if (Status s = DrainChunks(*source, &body); !s.ok()) return s;
  *out = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (out->is_discarded()) return Status::IoError("audit json did not parse");  // a bug, not data
  return Status::Ok();
}

Status AuditCsv(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                std::string* out) {
  std::unique_ptr<ChunkSource> source;
  if (Status s = OpenAuditCsv(store, meeting_id, filter, &source); !s.ok()) return s;
  return DrainChunks(*source, out);
}

Status SummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out) {
  return BuildSummaryMarkdown(store, meeting_id, out);
}

Status SummaryJson(store::Store& store, std::string_view meeting_id, nlohmann::json* out) {
  return BuildSummaryJson(store, meeting_id, out);
}

namespace {

std::string UsageRow(const store::FeatureUsage& u) {
  return u.type + " on " + FormatUtcDay(u.day * kMsPerDay) + " in " + u.meeting_id + ": " +
         std::to_string(u.events) + " events";
}

auto UsageKey(const store::FeatureUsage& u) {
  return std::tie(u.type, u.day, u.meeting_id);
}

}  // namespace

int RebuildViews(store::Store& store, std::ostream& out) {
  const auto start = std::chrono::steady_clock::now();
  auto elapsed_ms = [&start] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
        .count();
  };
  auto failed = [&out](const char* what, const Status& s) {
    out << "rebuild-views: store failed (" << what << "): " << s.ToString() << "\n";
    return 2;
  };

  // 1. Fold every meeting, one at a time (ScanAll goes meeting by meeting), and recount usage.
  FeatureUsageCount recount;
  uint64_t meetings = 0, events = 0, unparsable = 0, gaps = 0;
  std::optional<MeetingFold> fold;
  int64_t last_seq = 0;
  Status s = store.ScanAll([&](const store::StoredEvent& ev) {
    if (!fold || fold->meeting_id() != ev.meeting_id) {
      fold.emplace(ev.meeting_id);
      last_seq = 0;
      ++meetings;
    }
    if (ev.seq != last_seq + 1) ++gaps;
    last_seq = ev.seq;
    ++events;
    recount.Add(ev);
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) {
      ++unparsable;
    } else {
      fold->Apply(ev, parsed);
    }
    return true;
  });
  if (!s.ok()) return failed("scan", s);
  out << "rebuild-views: " << meetings << " meetings, " << events << " events folded in " << elapsed_ms()
      << " ms";
  if (unparsable) out << ", " << unparsable << " unparsable rows skipped";
  if (gaps) out << ", " << gaps << " seq gaps";
  out << "\n";

  // 2. The usage table against the recount (both sorted by type, day, meeting).
  const std::vector<store::FeatureUsage> want = recount.Rows();
  std::vector<store::FeatureUsage> have;
  s = store.ScanFeatureUsage(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                             [&have](const store::FeatureUsage& u) {
                               if (u.events != 0) have.push_back(u);
                               return true;
                             });
  if (!s.ok()) return failed("feature usage", s);
  std::sort(have.begin(), have.end(), [](const auto& a, const auto& b) { return UsageKey(a) < UsageKey(b); });
  std::map<std::string, std::pair<int64_t, std::set<std::string>>> per_type;  // events, meetings
  for (const store::FeatureUsage& u : want) {
    auto& [n, ids] = per_type[u.type];
    n += u.events;
    ids.insert(u.meeting_id);
  }
  for (const auto& [type, t] : per_type)
    out << "  " << type << ": " << t.first << " events in " << t.second.size() << " meetings\n";
  std::string mismatch;
  for (size_t i = 0; mismatch.empty() && i < std::max(want.size(), have.size()); ++i) {
    if (i >= have.size()) {
      mismatch = "missing row " + UsageRow(want[i]);
    } else if (i >= want.size()) {
      mismatch = "extra row " + UsageRow(have[i]);
    } else if (UsageKey(want[i]) != UsageKey(have[i]) || want[i].events != have[i].events) {
      mismatch = "table has " + UsageRow(have[i]) + ", the log " + UsageRow(want[i]);
    }
  }

  // 3. Snapshots the meetings lack (stores older than snapshots; idempotent otherwise).
  std::vector<store::MeetingRecord> records;
  if (s = store.ListMeetings(&records); !s.ok()) return failed("list meetings", s);
  int64_t written = 0;
  for (const store::MeetingRecord& r : records) {
    int64_t n = 0;
    if (s = BuildSnapshots(store, r.id, &n); !s.ok()) return failed(("snapshots of " + r.id).c_str(), s);
    written += n;
  }
  out << "rebuild-views: " << written << " snapshots written for " << records.size() << " meetings; done in "
      << elapsed_ms() << " ms\n";

  if (!mismatch.empty()) {
    out << "rebuild-views: MISMATCH in feature usage: " << mismatch << "\n";
    return 1;
  }
  out << "rebuild-views: feature usage equals a recount from the log\n";
  return 0;
}

}  // namespace confab::views
