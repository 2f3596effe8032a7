#pragma once
// The checks every Store applies to an AppendRequest before it touches the database: a request that
// fails them is Invalid whatever the log holds (a caller bug, not a race).
#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::store {

// A meeting id, contiguous seqs, and no event, credential or create naming another meeting.
Status CheckAppendShape(const AppendRequest& req);

}  // namespace confab::store
