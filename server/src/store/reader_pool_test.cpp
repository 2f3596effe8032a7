// ReaderPool: blocking store work off the io thread, its result back on the io thread.
//
// The io thread is played by the test thread running an io_context (and marked as an io thread, so
// a read done on it would be caught). run_for bounds every wait: a bug shows as a failure, not a hang.
#include "store/reader_pool.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <thread>

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"
#include "util/thread_role.hpp"

namespace confab::store {
namespace {

using namespace std::chrono_literals;
using testing::AppendAndWait;
using testing::CreateRequest;
using testing::TempDir;

class ReaderPoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SqliteStore::Open(dir_.File("pool.db"), &store_).ok());
    ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  boost::asio::io_context io_;
};

TEST_F(ReaderPoolTest, WorkRunsOnAPoolThreadAndDoneOnTheExecutor) {
  ReaderPool pool(*store_, 2);
  const uint64_t violations = BlockingOnIoThreadCount();
  const auto io_thread = std::this_thread::get_id();
  std::thread::id work_thread, done_thread;
  int64_t head = -1;
  {
    IoThreadScope io;
    pool.Run(
        io_.get_executor(),
        [&](Store& s) {
          work_thread = std::this_thread::get_id();
          int64_t h = 0;
          Status st = s.HeadSeq("m", &h);  // a blocking read: allowed here
          return std::make_pair(st, h);
        },
        [&](std::pair<Status, int64_t> r) {
          done_thread = std::this_thread::get_id();
          EXPECT_TRUE(r.first.ok());
          head = r.second;
        });
    // Nothing else keeps io_ busy: it waits for `done` only because the pending work counts.
    io_.run_for(5s);
  }
  EXPECT_EQ(head, 1);
  EXPECT_NE(work_thread, io_thread);
  EXPECT_EQ(done_thread, io_thread);
  EXPECT_EQ(BlockingOnIoThreadCount(), violations);
}

TEST_F(ReaderPoolTest, MoveOnlyAndVoidResultsArrive) {
  ReaderPool pool(*store_, 1);
  int got = 0;
  bool void_done = false;
  pool.Run(
      io_.get_executor(), [](Store&) { return std::make_unique<int>(7); },
      [&](std::unique_ptr<int> p) { got = *p; });
  pool.Run(
      io_.get_executor(), [](Store&) {}, [&]() { void_done = true; });
  io_.run_for(5s);
  EXPECT_EQ(got, 7);
  EXPECT_TRUE(void_done);
}

TEST_F(ReaderPoolTest, AThrowingWorkSkipsItsDoneAndThePoolKeepsWorking) {
  ReaderPool pool(*store_, 1);  // one thread: it must survive the throw
  std::atomic<int> done_calls{0};
  int after = 0;
  pool.Run(
      io_.get_executor(), [](Store&) -> int { throw std::runtime_error("disk on fire"); },
      [&](int) { done_calls.fetch_add(1); });
  pool.Run(
      io_.get_executor(), [](Store&) -> int { throw 42; }, [&](int) { done_calls.fetch_add(1); });
  std::promise<void> posted;
  pool.Post([] { throw std::logic_error("background job"); });
  pool.Post([&] { posted.set_value(); });
  pool.Run(
      io_.get_executor(), [](Store&) { return 3; }, [&](int v) { after = v; });
  io_.run_for(5s);
  EXPECT_EQ(posted.get_future().wait_for(5s), std::future_status::ready);
  EXPECT_EQ(done_calls.load(), 0);
  EXPECT_EQ(after, 3);
}

TEST_F(ReaderPoolTest, StopWaitsForRunningWorkAndDropsTheRest) {
  auto pool = std::make_unique<ReaderPool>(*store_, 1);
  std::promise<void> started_promise;
  std::promise<void> release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  std::atomic<bool> finished{false}, queued_ran{false}, late_ran{false};
  std::atomic<int> dones{0};
  pool->Run(
      io_.get_executor(),
      [&](Store&) {
        started_promise.set_value();
        release.wait();
        std::this_thread::sleep_for(50ms);
        finished = true;
        return 1;
      },
      [&](int) { dones.fetch_add(1); });
  pool->Run(
      io_.get_executor(),
      [&](Store&) {
        queued_ran = true;
        return 2;
      },
      [&](int) { dones.fetch_add(1); });
  started_promise.get_future().wait();

  std::thread stopper([&] { pool->Stop(); });
  std::this_thread::sleep_for(20ms);
  release_promise.set_value();
  stopper.join();
  EXPECT_TRUE(finished.load());  // Stop returned only after the running work did
  EXPECT_FALSE(queued_ran.load());

  // Work submitted after Stop is dropped too.
  pool->Run(
      io_.get_executor(),
      [&](Store&) {
        late_ran = true;
        return 3;
      },
      [&](int) { dones.fetch_add(1); });
  pool->Post([&] { late_ran = true; });

  // The finished work's done was posted; the dropped ones hold no work on io_, so run() returns at
  // once instead of waiting for results that never come.
  const auto started = std::chrono::steady_clock::now();
  io_.run_for(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(dones.load(), 1);
  EXPECT_FALSE(late_ran.load());
  pool.reset();  // the destructor after an explicit Stop is fine
}

}  // namespace
}  // namespace confab::store
