#pragma once
// The views as the HTTP API asks for them: one call per endpoint, JSON or text out, Status for
// errors (NotFound → 404 not_found, Invalid → 400 invalid_payload, others → 503 unavailable).
// Every call may BLOCK on the store: run it on a ReaderPool thread. Safe from any thread.
// Long bodies stream instead: views/streams.hpp (events NDJSON, audit CSV/JSON).
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

// GET /api/meetings/ID/analytics: from the hub's fold, folded from the store on a miss.
// NotFound for an unknown meeting.
Status MeetingAnalyticsJson(ViewHub& hub, std::string_view meeting_id, nlohmann::json* out);

// GET /api/analytics/features?from=&to=: the UTC days that [from_ms, to_ms) touches, from the
// store's usage table (views/feature_popularity.hpp). Invalid when from > to.
Status FeaturesJson(store::Store& store, std::optional<int64_t> from_ms, std::optional<int64_t> to_ms,
                    nlohmann::json* out);
// The same with the raw query parameters (ms, YYYY-MM-DD or ISO-8601; empty = open bound).
Status FeaturesJson(store::Store& store, std::string_view from, std::string_view to, nlohmann::json* out);

// GET /api/meetings/ID/audit?format=json|csv&actor=&type=, whole bodies in memory (the streamed
// OpenAuditJson/OpenAuditCsv read to their end).
Status AuditJson(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                 nlohmann::json* out);
Status AuditCsv(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                std::string* out);

// GET /api/meetings/ID/summary.md (Content-Type: text/markdown; charset=utf-8)
Status SummaryMarkdown(store::Store& store, std::string_view meeting_id, std::string* out);
// GET /api/meetings/ID/summary: the same content as JSON (the web's Done screen).
Status SummaryJson(store::Store& store, std::string_view meeting_id, nlohmann::json* out);

// `confab rebuild-views`: folds every meeting's log (analytics, one meeting at a time), checks the
// store's feature-usage table equals a recount from the log, and backfills the state snapshots
// meetings lack (BuildSnapshots). Prints counts and the first usage difference.
// Returns the process exit code: 0 ok, 1 usage table != recount, 2 the store failed.
int RebuildViews(store::Store& store, std::ostream& out);

}  // namespace confab::views
