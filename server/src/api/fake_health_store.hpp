#pragma once
// For api_tests: a Store that forwards everything to a real one, except that the writer's health can
// be set by the test (a disk that filled up is hard to arrange for real). Not part of the library.
#include <mutex>

#include "store/forwarding_store.hpp"

namespace confab::api::testing {

class FakeHealthStore : public store::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;

  void set_writer_health(Status s) {
    std::lock_guard lock(mu_);
    health_ = std::move(s);
  }
  Status WriterHealth() const override {
    std::lock_guard lock(mu_);
    return health_;
  }

 private:
  mutable std::mutex mu_;
  Status health_;
};

}  // namespace confab::api::testing
