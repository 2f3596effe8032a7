#pragma once
// KeyedBuckets: one TokenBucket per key (a client address), for a quota that many threads check at
// once (POST /api/meetings arrives on every io thread).
//
// Bounded memory: a bucket that has refilled completely says no more than a new one would, so it is
// forgotten. A sweep drops every full bucket once per refill period (the time an empty bucket takes to
// fill) and also whenever the map has doubled since the last sweep, so the map holds about the keys
// seen within one refill period, never every key ever seen.
//
// Threading: every method is safe from any thread (one mutex; a check is a map lookup).
#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "util/token_bucket.hpp"

namespace confab {

class KeyedBuckets {
 public:
  using Clock = TokenBucket::Clock;

  // Each key may act `capacity` times at once and gains `per_second` actions per second.
  KeyedBuckets(double capacity, double per_second, Clock::time_point now = Clock::now());

  struct Verdict {
    bool allowed = true;
    // When refused: whole seconds until the key has a token again (at least 1; for Retry-After).
    std::chrono::seconds retry_after{0};
  };
  // Takes a token from `key`'s bucket.
  Verdict Take(std::string_view key, Clock::time_point now = Clock::now());

  // Buckets held now (tests, metrics).
  size_t size() const;

 private:
  void SweepLocked(Clock::time_point now);

  const double capacity_;
  const double per_second_;
  const Clock::duration refill_period_;  // an empty bucket's time to fill

  mutable std::mutex mu_;  // guards everything below
  std::map<std::string, TokenBucket, std::less<>> buckets_;
  Clock::time_point next_sweep_;
  size_t sweep_at_size_;
};

}  // namespace confab
