#pragma once
// For api_tests: a Store that forwards everything to a real one, except that the writer's health can
// be set by the test (a disk that filled up is hard to arrange for real). Until a test sets it, the
// real store's health is reported (tests that break the real writer read it through here). Not part
// of the library.
#include <mutex>
#include <optional>

#include "store/forwarding_store.hpp"

namespace confab::api::testing {

class FakeHealthStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  void set_writer_health(Status s) { set_writer_health(store::WriterHealthReport{std::move(s), "", 0, 0}); }
  // The whole report: status, last error and the times.
  void set_writer_health(store::WriterHealthReport r) {
    std::lock_guard lock(mu_);
    health_ = std::move(r);
  }
  Status WriterHealth() const override { return WriterHealthDetail().status; }
  store::WriterHealthReport WriterHealthDetail() const override {
    std::lock_guard lock(mu_);
    return health_ ? *health_ : inner_.WriterHealthDetail();
  }
  // The real store underneath (a SqliteStore: tests break its writer for real).
  store::Store& inner() { return inner_; }

 private:
  mutable std::mutex mu_;
  std::optional<store::WriterHealthReport> health_;
};

}  // namespace confab::api::testing
