#pragma once
// ChunkSource: a long body produced piece by piece (NDJSON exports, audit CSV/JSON), so memory stays
// flat however long the meeting is. The consumer pulls: it asks for the next chunk only after the
// previous one has left (written to the socket or the stream) — that is the backpressure.
//
// Threading: Next may block on the store, so an HTTP server calls it on a ReaderPool thread, never
// on an io thread, and never two calls at once.
#include <string>

#include "util/status.hpp"

namespace confab {

class ChunkSource {
 public:
  virtual ~ChunkSource() = default;
  // Replaces *chunk with the next piece (a few KiB to ~64 KiB) and sets *last on the final one (the
  // final chunk may be empty). An error ends the body; what was already sent stays sent.
  virtual Status Next(std::string* chunk, bool* last) = 0;
};

}  // namespace confab
