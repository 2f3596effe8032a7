#pragma once
// TokenBucket: a rate with a burst. Holds up to `capacity` tokens and gains `per_second` of them
// continuously; each action takes one, and an action with none left is refused. Every quota that
// counts actions over time uses one (channels: per socket; rooms: per meeting; api: per address).
//
// Time is passed in, so tests drive it without sleeping. Not thread-safe: its owner serialises calls
// (a socket's or a room's thread, or the lock of a KeyedBuckets).
#include <algorithm>
#include <chrono>

namespace confab {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Starts full.
  TokenBucket(double capacity, double per_second, Clock::time_point now = Clock::now())
      : capacity_(capacity), per_second_(per_second), tokens_(capacity), last_(now) {}

  // Takes one token if there is one.
  bool Take(Clock::time_point now = Clock::now()) {
    Refill(now);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  // How long until one token is there (zero when there is one now).
  Clock::duration UntilNext(Clock::time_point now = Clock::now()) const {
    const double missing = 1.0 - TokensAt(now);
    if (missing <= 0 || per_second_ <= 0) return Clock::duration::zero();
    return std::chrono::ceil<Clock::duration>(std::chrono::duration<double>(missing / per_second_));
  }

  // Whether it has refilled completely: it then says no more than a new bucket would, so its owner
  // may forget it.
  bool Full(Clock::time_point now = Clock::now()) const { return TokensAt(now) >= capacity_; }

 private:
  double TokensAt(Clock::time_point now) const {
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    return std::min(capacity_, tokens_ + std::max(0.0, elapsed) * per_second_);
  }
  void Refill(Clock::time_point now) {
    tokens_ = TokensAt(now);
    last_ = std::max(last_, now);
  }

  double capacity_;
  double per_second_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace confab
