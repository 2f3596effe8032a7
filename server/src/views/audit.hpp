#pragma once
// Audit: who did what, when — every durable event of a meeting as one row with a human sentence.
// Computed on demand from the store, a page of events at a time, so it is always exactly the log
// and costs no memory between requests (streamed bodies: views/streams.hpp). Card titles and names
// in the sentences are as they were when the event happened (folded while reading).
// Threading: everything here BLOCKS on the store (ReaderPool thread); an AuditReader is used by one
// thread at a time.
#include <cstdint>
#include <memory>
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
  std::string label;    // the type in words ("Card added"; "Parked" for a parked topic)
  std::string summary;  // one line, e.g. "Ada voted for 'Why are builds slow?'"
};

// Empty fields match everything.
struct AuditFilter {
  std::string actor{};  // a pid (exact) or a name (ASCII case-insensitive)
  std::string type{};   // one event type or several, comma-separated
};

// A meeting's audit rows that pass a filter, in seq order, one page of events per call, up to the
// head as it was when opened.
class AuditReader {
 public:
  // NotFound for an unknown meeting; Invalid when `filter.type` names a type outside the catalogue.
  static Status Open(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                     std::unique_ptr<AuditReader>* out);
  ~AuditReader();
  AuditReader(const AuditReader&) = delete;
  AuditReader& operator=(const AuditReader&) = delete;

  // Replaces *rows with the rows of the next `page_events` events (none when the filter drops them
  // all) and sets *end once the head is reached.
  Status Next(size_t page_events, std::vector<AuditRow>* rows, bool* end);

 private:
  struct Impl;
  explicit AuditReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The audit rows of `meeting_id` that pass `filter`, in seq order (all in memory: small meetings, tests).
// NotFound for an unknown meeting; Invalid when `filter.type` names a type outside the catalogue.
Status BuildAudit(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                  std::vector<AuditRow>* out);

// One row as JSON: {seq, ts (ISO-8601 UTC, ms), ts_ms, actor_pid, actor, type, label, summary}.
nlohmann::json AuditRowJson(const AuditRow& row);
// The CSV header record (after the BOM), and one row as a CSV record.
void AppendAuditCsvHeader(std::string* out);
void AppendAuditCsvRecord(const AuditRow& row, std::string* out);

// {"meeting_id", "count", "events": [{seq, ts (ISO-8601 UTC, ms), ts_ms, actor_pid, actor, type, summary}]}
nlohmann::json AuditRowsJson(std::string_view meeting_id, const std::vector<AuditRow>& rows);
// CSV (views/csv.hpp rules): header seq,ts,actor_pid,actor,type,summary then one record per row.
std::string AuditRowsCsv(const std::vector<AuditRow>& rows);

}  // namespace confab::views
