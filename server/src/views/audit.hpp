#pragma once
// Audit: who did what, when — every durable event of a meeting as one row with a human sentence.
// Computed on demand from the store (one ScanEvents per request), so it is always exactly the log
// and costs no memory between requests. Card titles and names in the sentences are as they were
// when the event happened (folded while scanning). Safe from any thread (the Store is).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::views {

struct AuditRow {
  int64_t seq = 0;
  int64_t ts = 0;  // ms since the epoch
  std::string actor_pid;
  std::string actor;  // the actor's name when the event happened
  std::string type;
  std::string summary;  // one line, e.g. "Ada voted for 'Why are builds slow?'"
};

// Empty fields match everything.
struct AuditFilter {
  std::string actor{};  // a pid (exact) or a name (ASCII case-insensitive)
  std::string type{};   // one event type or several, comma-separated
};

// The audit rows of `meeting_id` that pass `filter`, in seq order. NotFound for an unknown
// meeting; Invalid when `filter.type` names a type outside the catalogue.
Status BuildAudit(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                  std::vector<AuditRow>* out);

// {"meeting_id", "count", "events": [{seq, ts (ISO-8601 UTC, ms), ts_ms, actor_pid, actor, type, summary}]}
nlohmann::json AuditRowsJson(std::string_view meeting_id, const std::vector<AuditRow>& rows);
// CSV (views/csv.hpp rules): header seq,ts,actor_pid,actor,type,summary then one record per row.
std::string AuditRowsCsv(const std::vector<AuditRow>& rows);

}  // namespace confab::views
