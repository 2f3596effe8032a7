#pragma once
// ReaderPool: where blocking Store calls run, so io threads never wait on storage.
//
//   pool.Run(executor, [](Store& s) { ... return result; }, [](Result r) { ... });
//
// `work` runs on one of the pool's threads; `done` then runs on `executor` (the caller's io thread
// or strand) with whatever `work` returned. A `work` that throws is logged and `done` is not called
// with a result: `on_error` style handling belongs in `work` (return a Status). Background jobs that
// answer nobody (serialising a snapshot) use Post.
//
// While a `work` is pending, `executor` counts it as outstanding work (as any asio operation does),
// so an io_context does not run out of work and return from run() before `done` arrives. Work that
// returns nothing gets a `done()` without arguments.
//
// Threading: Run and Post are safe from any thread, Stop too except from inside a job. Stop (and the
// destructor) waits for running work and drops work not yet started (its `done` is destroyed, not
// called); Run/Post after Stop drop their work the same way. Destroy the pool before the Store and
// before the io_contexts its executors belong to.
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "store/store.hpp"

namespace confab::store {

class ReaderPool {
 public:
  ReaderPool(Store& store, size_t threads);
  ~ReaderPool();
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  Store& store() { return store_; }

  template <typename Executor, typename Work, typename Done>
  void Run(const Executor& executor, Work work, Done done) {
    Submit([this, guard = boost::asio::make_work_guard(executor), work = std::move(work),
            done = std::move(done)]() mutable {
      using Result = std::decay_t<std::invoke_result_t<Work&, Store&>>;
      if constexpr (std::is_void_v<Result>) {
        if (!Guard([&] { work(store_); })) return;
        boost::asio::post(guard.get_executor(), [done = std::move(done)]() mutable { done(); });
      } else {
        std::optional<Result> result;
        if (!Guard([&] { result.emplace(work(store_)); })) return;
        boost::asio::post(guard.get_executor(),
                          [done = std::move(done), r = std::move(*result)]() mutable { done(std::move(r)); });
      }
      // `guard` is released with this job, after `done` was posted: the executor never idles between.
    });
  }

  // Runs `job` on a pool thread; nobody waits for it.
  void Post(std::function<void()> job);

  // Stops taking work and waits for what runs now (the server calls it at shutdown).
  void Stop();

 private:
  // Posts `job` to the pool unless stopped. A job that was queued when Stop came is skipped (and
  // destroyed, releasing its work guard) rather than left in the queue until the pool is destroyed.
  template <typename Job>
  void Submit(Job job) {
    std::lock_guard lock(mu_);
    if (stopped_.load(std::memory_order_relaxed)) return;
    boost::asio::post(pool_, [this, job = std::move(job)]() mutable {
      if (!stopped_.load(std::memory_order_acquire)) job();
    });
  }

  // Runs fn; false (and logged) when it threw.
  static bool Guard(const std::function<void()>& fn);

  Store& store_;
  std::mutex mu_;  // orders Submit against Stop: nothing is posted once Stop began
  std::atomic<bool> stopped_{false};
  std::mutex join_mu_;  // two Stops must not both join
  boost::asio::thread_pool pool_;
};

}  // namespace confab::store
