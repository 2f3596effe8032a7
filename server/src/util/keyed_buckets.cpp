#include "util/keyed_buckets.hpp"

#include <algorithm>

namespace confab {
namespace {

// Below this many keys a sweep is not worth it on size alone (the periodic one still runs).
constexpr size_t kMinSweepSize = 1024;

}  // namespace

KeyedBuckets::KeyedBuckets(double capacity, double per_second, Clock::time_point now)
    : capacity_(capacity),
      per_second_(per_second),
      refill_period_(std::chrono::ceil<Clock::duration>(
          std::chrono::duration<double>(per_second > 0 ? capacity / per_second : 0.0))),
      next_sweep_(now + refill_period_),
      sweep_at_size_(kMinSweepSize) {}

KeyedBuckets::Verdict KeyedBuckets::Take(std::string_view key, Clock::time_point now) {
  std::lock_guard lock(mu_);
  if (now >= next_sweep_ || buckets_.size() >= sweep_at_size_) SweepLocked(now);
  auto it = buckets_.find(key);
  if (it == buckets_.end())
    it = buckets_.emplace(std::string(key), TokenBucket(capacity_, per_second_, now)).first;
  if (it->second.Take(now)) return {};
  // Rounded to the millisecond first: 40.000000001 s of floating-point refill arithmetic is 40 s.
  const auto wait = std::chrono::ceil<std::chrono::seconds>(
      std::chrono::round<std::chrono::milliseconds>(it->second.UntilNext(now)));
  return {false, std::max(wait, std::chrono::seconds(1))};
}

void KeyedBuckets::SweepLocked(Clock::time_point now) {
  std::erase_if(buckets_, [now](const auto& entry) { return entry.second.Full(now); });
  next_sweep_ = now + refill_period_;
  // Keys that are all still refilling (many addresses inside one period) are swept again only once
  // the map has doubled: each sweep costs no more than the inserts since the last one.
  sweep_at_size_ = std::max(kMinSweepSize, 2 * buckets_.size());
}

size_t KeyedBuckets::size() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace confab
