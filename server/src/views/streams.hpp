#pragma once
// Long bodies streamed from the store a page at a time (util/chunk_source.hpp): the NDJSON event
// export (GET /api/meetings/ID/events?format=ndjson, `confab export`) and the audit as CSV or JSON.
//
// Open* reads the meeting's head, so an unknown meeting (NotFound) or a bad filter (Invalid) fails
// before a byte is sent, and the body ends at that head even if events commit while it streams.
// Each Next() reads at most one page of kStreamPageEvents events beyond what it holds and returns
// a chunk of at most kStreamChunkBytes (a single event larger than that is one chunk of its own),
// so memory does not depend on the length of the log. (An audit filter that drops whole pages reads
// on, a page at a time, until it has a row to send: an empty chunk must only ever be the last.)
//
// Threading: Open* and Next BLOCK on the store (ReaderPool thread); one caller at a time per source.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "store/store.hpp"
#include "util/chunk_source.hpp"
#include "util/status.hpp"
#include "views/audit.hpp"

namespace confab::views {

inline constexpr size_t kStreamPageEvents = 500;
inline constexpr size_t kStreamChunkBytes = size_t{64} << 10;

// The stored event JSON of every event with seq > after_seq, one per line ("\n"), in seq order —
// byte for byte what the store holds.
Status OpenEventsNdjson(store::Store& store, std::string_view meeting_id, int64_t after_seq,
                        std::unique_ptr<ChunkSource>* out);

// The audit (views/audit.hpp) as CSV: BOM, header, one record per row (docs/views.md).
Status OpenAuditCsv(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                    std::unique_ptr<ChunkSource>* out);

// The audit as JSON, the object AuditRowsJson builds: {"meeting_id", "events": [rows], "count"}
// (keys in that order, since the count is known only at the end).
Status OpenAuditJson(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                     std::unique_ptr<ChunkSource>* out);

// Reads `source` to its end into *out (tests, and bodies known to be small).
Status DrainChunks(ChunkSource& source, std::string* out);

}  // namespace confab::views
