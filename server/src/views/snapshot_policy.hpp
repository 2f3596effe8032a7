#pragma once
// When a meeting's folded state is persisted (store::Snapshot), shared by the rooms that write
// snapshots as events commit and by the views that read them (state_at.hpp, BuildSnapshots).
//
// The rule: a snapshot is due once kSnapshotEvery events have committed since the meeting's last
// snapshot (or since seq 0). Any seq then has a snapshot fewer than kSnapshotEvery events below
// it, which is what bounds GET /state and a cold room open to one interval of folding.
#include <cstdint>

#include "store/store.hpp"

namespace confab::views {

using store::kSnapshotEvery;  // defined beside store::Snapshot: one number for writers and readers

// Whether a snapshot is due at `seq`, the last one having been taken at `last_snapshot_seq` (0: none).
inline bool SnapshotDue(int64_t seq, int64_t last_snapshot_seq) {
  return seq - last_snapshot_seq >= kSnapshotEvery;
}

}  // namespace confab::views
