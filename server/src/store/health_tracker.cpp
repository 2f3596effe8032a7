#include "store/health_tracker.hpp"

#include <spdlog/spdlog.h>

namespace confab::store {

int64_t HealthTracker::SystemMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

HealthTracker::HealthTracker(std::string what) : what_(std::move(what)) {}

void HealthTracker::Failed(const std::string& why) {
  std::lock_guard lock(mu_);
  const int64_t now = clock_();
  // A stretch that ran out its window is over even though no write said so.
  const bool stale = failing_ && now - last_error_ms_ >= kWindow.count();
  if (!failing_ || stale) {
    spdlog::error("store: {}: {}", what_, why);
    failing_since_ms_ = now;
  }
  failing_ = true;
  last_error_ = why.empty() ? std::string("unknown error") : why;
  last_error_ms_ = now;
}

void HealthTracker::Wrote() {
  std::lock_guard lock(mu_);
  if (!failing_) return;
  spdlog::info("store: {} no more: a write committed", what_);
  failing_ = false;
  healthy_since_ms_ = clock_();
}

WriterHealthReport HealthTracker::Report() const {
  std::lock_guard lock(mu_);
  WriterHealthReport r;
  r.last_error = last_error_;
  r.last_error_ms = last_error_ms_;
  if (failing_ && clock_() - last_error_ms_ < kWindow.count()) {
    r.status = Status::Unavailable(what_ + ": " + last_error_);
    r.since_ms = failing_since_ms_;
    return r;
  }
  // Healthy since the write that ended the last stretch, or since its window ran out.
  r.since_ms = failing_ ? last_error_ms_ + kWindow.count() : healthy_since_ms_;
  return r;
}

void HealthTracker::SetClockForTesting(Clock clock) {
  std::lock_guard lock(mu_);
  clock_ = std::move(clock);
}

}  // namespace confab::store
