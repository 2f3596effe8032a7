#pragma once
// HealthTracker: whether a store's writer may be trusted with appends now, from what its commits did.
//
// The rule (docs/operations.md § Health and metrics):
//   * A write that failed on I/O (a batch that could not commit, a request that failed with IoError
//     or Unavailable, a failed checkpoint) makes the writer unhealthy, with that failure as the reason.
//   * It is healthy again once a later batch that WROTE something commits. A batch whose requests
//     were all refused by their own checks (a taken seq, a stored id, an invalid snapshot) commits
//     an empty transaction, which succeeds on a full disk too: it proves nothing and changes nothing.
//     (Counting it as a recovery is how /healthz said "ok" while every append failed.)
//   * Or once kWindow has passed without another failure: an idle node whose disk was freed must
//     get traffic back, and a node that is taken out of rotation may see no append to prove itself
//     with. If the disk is still full, the next append fails and it is unhealthy again at once.
//
// Threading: every method is safe from any thread; all of them only read or write memory.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>

#include "store/store.hpp"

namespace confab::store {

class HealthTracker {
 public:
  static constexpr std::chrono::milliseconds kWindow = std::chrono::seconds(30);
  // Milliseconds since the Unix epoch.
  using Clock = std::function<int64_t()>;
  static int64_t SystemMs();

  // `what` prefixes the reason ("appends failing", "checkpoints failing").
  explicit HealthTracker(std::string what);

  // A write failed on I/O.
  void Failed(const std::string& why);
  // A batch (or checkpoint round) that wrote something committed.
  void Wrote();

  // Ok, or Unavailable("<what>: <last error>").
  Status status() const { return Report().status; }
  WriterHealthReport Report() const;

  // Tests: a clock to move past kWindow without waiting.
  void SetClockForTesting(Clock clock);

 private:
  const std::string what_;
  mutable std::mutex mu_;
  Clock clock_ = &SystemMs;
  bool failing_ = false;
  std::string last_error_;
  int64_t last_error_ms_ = 0;
  int64_t failing_since_ms_ = 0;  // start of the current unhealthy stretch
  int64_t healthy_since_ms_ = 0;  // when the last one ended by a write (0: never unhealthy)
};

}  // namespace confab::store
