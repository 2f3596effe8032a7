#pragma once
// The log commands of the `confab` binary: export, import and check of the event log.
//
// Each is a plain function of a Store and streams, returning the process exit code, so main.cpp
// only parses flags and tests need no process. Results go to `out`, diagnostics to `err`.
// Exit codes: 0 success; 1 bad input, unknown meeting, or problems found; 2 the store failed.
//
// Threading: call from one thread; the Store is used through its own thread-safe interface.
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace confab::cli {

// `confab export MEETING_ID`: the meeting's events as NDJSON, one stored event JSON per line, in
// seq order — exactly the objects clients receive, so the file is replayable by any client.
// Streamed a page at a time (views::OpenEventsNdjson) and flushed per chunk: memory stays flat
// however long the log, and the export ends at the head as it was when it started.
int ExportMeeting(store::Store& store, std::string_view meeting_id, std::ostream& out, std::ostream& err);

// `confab import FILE [--meeting ID]`: writes the events of an export (NDJSON) as a new meeting.
// Every line is validated first (a JSON object with exactly seq, id, type, actor{pid,name}, ts,
// data; seq contiguous from 1; ids unique; a stored catalogue type; meeting_created first); the
// first bad line is reported with its number and nothing is written. All events commit in one
// transaction. `meeting_id` defaults to a fresh 128-bit id; an id that exists is refused.
// A fresh facilitator token is generated and printed once (only its hash is stored): on success
// `out` gets one JSON line {"id","facilitator_token","events"}. Participant secrets are not part
// of an export, so imported participants join again as new participants.
int ImportMeeting(store::Store& store, std::istream& in, std::optional<std::string> meeting_id,
                  std::ostream& out, std::ostream& err);

// `confab check`: verifies every meeting's log — seqs contiguous from 1, each stored JSON an
// object whose seq/id/type/actor.pid match the indexed columns, no events without a meeting, and no
// (meeting, seq) or (meeting, event id) stored twice (Store::FindDuplicateKeys, read from the table).
// Prints one line per problem and a total line; 0 only when the store is clean.
int CheckStore(store::Store& store, std::ostream& out, std::ostream& err);

}  // namespace confab::cli
