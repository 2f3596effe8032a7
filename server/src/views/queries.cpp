#include "views/queries.hpp"

#include <chrono>

#include "views/summary.hpp"
#include "views/time_text.hpp"

namespace confab::views {

Status MeetingAnalyticsJson(ViewHub& hub, store::Store& store, std::string_view meeting_id,
                            nlohmann::json* out) {
  if (hub.AnalyticsOf(meeting_id, out).ok()) return Status::Ok();
  // Not (wholly) in the hub — e.g. the hub was not rebuilt at start-up: the log is the truth.
  MeetingFold fold{std::string(meeting_id)};
  if (Status s = FoldMeeting(store, meeting_id, &fold); !s.ok()) return s;
  *out = fold.AnalyticsJson();
  return Status::Ok();
}

Status FeaturesJson(ViewHub& hub, std::optional<int64_t> from_ms, std::optional<int64_t> to_ms,
                    nlohmann::json* out) {
  if (from_ms && to_ms && *from_ms > *to_ms) return Status::Invalid("from is after to");
  *out = hub.Features(from_ms, to_ms);
  return Status::Ok();
}

Status FeaturesJson(ViewHub& hub, std::string_view from, std::string_view to, nlohmann::json* out) {
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
  return FeaturesJson(hub, from_ms, to_ms, out);
}

Status AuditJson(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                 nlohmann::json* out) {
  std::vector<AuditRow> rows;
  if (Status s = BuildAudit(store, meeting_id, filter, &rows); !s.ok()) return s;
  *out = AuditRowsJson(meeting_id, rows);
  return Status::Ok();
}

Status AuditCsv(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                std::string* out) {
  std::vector<AuditRow> rows;
  if (Status s = BuildAudit(store, meeting_id, filter, &rows); !s.ok()) return s;
  *out = AuditRowsCsv(rows);
  return Status::Ok();
}

Status SummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out) {
  return BuildSummaryMarkdown(store, meeting_id, out);
}

namespace {

// The first place two JSON values differ, as a JSON pointer ("" when equal).
std::string FirstDifference(const nlohmann::json& a, const nlohmann::json& b) {
  nlohmann::json patch = nlohmann::json::diff(a, b);
  if (patch.empty()) return "";
  return patch[0].value("path", "/") + " (" + patch[0].value("op", "?") + ")";
}

}  // namespace

int RebuildViews(store::Store& store, std::ostream& out, ViewHub* live) {
  ViewHub fresh;
  const auto start = std::chrono::steady_clock::now();
  Status s = fresh.RebuildAll(store);
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) {
    out << "rebuild-views: store failed: " << s.ToString() << "\n";
    return 2;
  }
  const ViewHubStats st = fresh.Stats();
  out << "rebuild-views: " << st.meetings << " meetings, " << st.events << " events folded in " << ms
      << " ms";
  if (st.unparsable) out << ", " << st.unparsable << " unparsable rows skipped";
  if (st.gaps) out << ", " << st.gaps << " seq gaps";
  out << "\n";
  // Bound to a name: a range-for over a member of a temporary would dangle.
  const nlohmann::json features = fresh.Features(std::nullopt, std::nullopt);
  for (const auto& t : features["types"]) {
    out << "  " << t["type"].get<std::string>() << ": " << t["count"].get<int64_t>() << " events in "
        << t["meetings"].get<int64_t>() << " meetings\n";
  }
  if (live == nullptr) return 0;
  const std::string diff = FirstDifference(live->Snapshot(), fresh.Snapshot());
  if (!diff.empty()) {
    out << "rebuild-views: MISMATCH between live and rebuilt views at " << diff << "\n";
    return 1;
  }
  out << "rebuild-views: live views equal the rebuilt ones\n";
  return 0;
}

}  // namespace confab::views
