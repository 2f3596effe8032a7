#include "store/reader_pool.hpp"

#include <spdlog/spdlog.h>

namespace confab::store {

ReaderPool::ReaderPool(Store& store, size_t threads) : store_(store), pool_(threads == 0 ? 1 : threads) {}

ReaderPool::~ReaderPool() {
  Stop();
}

void ReaderPool::Post(std::function<void()> job) {
  boost::asio::post(pool_, [job = std::move(job)] { Guard(job); });
}

void ReaderPool::Stop() {
  pool_.stop();
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
