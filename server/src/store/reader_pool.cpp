#include "store/reader_pool.hpp"

#include <spdlog/spdlog.h>

namespace confab::store {

ReaderPool::ReaderPool(Store& store, size_t threads) : store_(store), pool_(threads == 0 ? 1 : threads) {}

ReaderPool::~ReaderPool() {
  Stop();
}

void ReaderPool::Post(std::function<void()> job) {
  Submit([job = std::move(job)] { Guard(job); });
}

void ReaderPool::Stop() {
  {
    std::lock_guard lock(mu_);
    stopped_.store(true, std::memory_order_release);
  }
  // join, not thread_pool::stop: the threads drain the queue (skipping every job, see Submit) and
  // exit, so no dropped job outlives Stop holding a work guard on someone's io_context.
  std::lock_guard lock(join_mu_);
  pool_.join();
}

bool ReaderPool::Guard(const std::function<void()>& fn) {
  try {
    fn();
    return true;
  } catch (const std::exception& e) {
    spdlog::error("reader pool: a job threw: {}", e.what());
  } catch (...) {
    spdlog::error("reader pool: a job threw a non-exception");
  }
  return false;
}

}  // namespace confab::store
