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
// Threading: Run and Post are safe from any thread. The destructor waits for running work and
// drops work not yet started; destroy the pool before the Store and after the io threads stopped.
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstddef>
#include <exception>
#include <functional>
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
    boost::asio::post(pool_, [this, executor, work = std::move(work), done = std::move(done)]() mutable {
      using Result = std::invoke_result_t<Work&, Store&>;
      std::optional<Result> result;
      if (!Guard([&] { result.emplace(work(store_)); })) return;
      boost::asio::post(executor, [done = std::move(done), r = std::move(*result)]() mutable { done(std::move(r)); });
    });
  }

  // Runs `job` on a pool thread; nobody waits for it.
  void Post(std::function<void()> job);

  // Stops taking work and waits for what runs now (the server calls it at shutdown).
  void Stop();

 private:
  // Runs fn; false (and logged) when it threw.
  static bool Guard(const std::function<void()>& fn);

  Store& store_;
  boost::asio::thread_pool pool_;
};

}  // namespace confab::store
