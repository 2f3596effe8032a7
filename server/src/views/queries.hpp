#pragma once
// The views as the HTTP API asks for them: one call per endpoint, JSON or text out, Status for
// errors (NotFound → 404 not_found, Invalid → 400 invalid_payload, others → 503 unavailable).
// Safe from any thread (ViewHub locks; Store reads are thread-safe).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/status.hpp"
#include "views/audit.hpp"
#include "views/view_hub.hpp"

namespace confab::views {

// GET /api/meetings/ID/analytics. From the hub's live fold; from the store when the hub has not
// folded the whole log of that meeting. NotFound for an unknown meeting.
Status MeetingAnalyticsJson(ViewHub& hub, store::Store& store, std::string_view meeting_id,
                            nlohmann::json* out);

// GET /api/analytics/features?from=&to=: events with from_ms <= ts < to_ms. Invalid when from > to.
Status FeaturesJson(ViewHub& hub, std::optional<int64_t> from_ms, std::optional<int64_t> to_ms,
                    nlohmann::json* out);
// The same with the raw query parameters (ms, YYYY-MM-DD or ISO-8601; empty = open bound).
Status FeaturesJson(ViewHub& hub, std::string_view from, std::string_view to, nlohmann::json* out);

// GET /api/meetings/ID/audit?format=json|csv&actor=&type=
Status AuditJson(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                 nlohmann::json* out);
Status AuditCsv(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                std::string* out);

// GET /api/meetings/ID/summary.md (Content-Type: text/markdown; charset=utf-8)
Status SummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out);

// `confab rebuild-views`: folds the whole log into a fresh hub and prints what it counted. With
// `live`, also checks the fresh views equal the live ones and prints the first difference.
// Returns the process exit code: 0 ok, 1 rebuilt != live, 2 the store failed.
int RebuildViews(store::Store& store, std::ostream& out, ViewHub* live = nullptr);

}  // namespace confab::views
