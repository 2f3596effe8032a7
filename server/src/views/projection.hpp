#pragma once
// Projection: a view kept by folding the event log. It is fed live, one committed event at a time
// in each meeting's seq order, and can always be rebuilt from the log; both give the same result
// (views_tests prove live == rebuilt). Not thread-safe: a ViewHub serialises all calls.
#include <nlohmann/json.hpp>
#include <string_view>

#include "store/store.hpp"
#include "util/status.hpp"

namespace confab::views {

class Projection {
 public:
  virtual ~Projection() = default;

  // A short stable name ("analytics", "features") for logs and `confab rebuild-views`.
  virtual std::string_view name() const = 0;

  // Folds one committed event; `parsed` is ev.json parsed. Must not throw on unexpected data.
  virtual void OnEvent(const store::StoredEvent& ev, const nlohmann::json& parsed) = 0;

  // Forgets everything (the state of an empty log).
  virtual void Clear() = 0;

  // The whole projection as JSON, canonical: equal logs give equal snapshots.
  virtual nlohmann::json Snapshot() = 0;

  // Clear(), then fold every stored event (Store::ScanAll). Rows whose JSON does not parse are
  // skipped (they cannot have been validated); the store's own errors are returned.
  Status Rebuild(store::Store& store);
};

}  // namespace confab::views
