// Group commit: many appends, few transactions; one bad request never spoils its batch.
//
// To make batching deterministic without sleeps, a test "holds the writer": the callback of a first
// append blocks the writer thread until the test has queued what it wants in the next batch.
#include "store/group_commit_writer.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::TempDir;

AppendRequest Next(const std::string& meeting, int64_t seq, const std::string& id) {
  AppendRequest req;
  req.meeting_id = meeting;
  req.events.push_back(MakeEvent(seq, id));
  return req;
}

class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SqliteStore::Open(dir_.File("log.db"), &store_).ok()); }

  // Blocks the writer thread (inside a callback) until Release(); returns once the writer is held.
  void HoldWriter() {
    std::promise<void> held;
    auto is_held = held.get_future();
    store_->Append(CreateRequest("gate-" + std::to_string(gates_++)), [this, &held](Status s) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      held.set_value();
      release_.wait();
    });
    is_held.wait();
  }
  void Release() { release_promise_.set_value(); }

  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
  int gates_ = 0;
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
};

TEST_F(GroupCommitTest, ConcurrentAppendsShareCommits) {
  constexpr int kRooms = 8;
  constexpr int kPerRoom = 50;
  for (int r = 0; r < kRooms; ++r)
    ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("room" + std::to_string(r))).ok());
  const StoreStats before = store_->Stats();

  HoldWriter();
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> rooms;
  for (int r = 0; r < kRooms; ++r) {
    rooms.emplace_back([&, r] {
      const std::string meeting = "room" + std::to_string(r);
      // Pipelined like a Room: seq k+1 is queued before k is acknowledged; the queue keeps order.
      for (int64_t seq = 2; seq < 2 + kPerRoom; ++seq) {
        store_->Append(Next(meeting, seq, meeting + "-" + std::to_string(seq)),
                       [&](Status s) { (s.ok() ? ok : failed).fetch_add(1); });
      }
    });
  }
  for (auto& t : rooms) t.join();
  Release();
  store_->Flush();

  EXPECT_EQ(ok.load(), kRooms * kPerRoom);
  EXPECT_EQ(failed.load(), 0);
  const StoreStats after = store_->Stats();
  const uint64_t appends = after.appends - before.appends;
  const uint64_t commits = after.commits - before.commits;
  EXPECT_EQ(appends, static_cast<uint64_t>(kRooms * kPerRoom + 1));  // + the gate
  EXPECT_LT(commits, appends);
  EXPECT_LE(commits, 2u);  // the gate's batch, then everything queued behind it
  EXPECT_GE(after.max_batch_events, static_cast<uint64_t>(kRooms * kPerRoom));
  for (int r = 0; r < kRooms; ++r) {
    std::vector<StoredEvent> events;
    ASSERT_TRUE(store_->ReadEvents("room" + std::to_string(r), 0, 0, false, &events).ok());
    ASSERT_EQ(events.size(), static_cast<size_t>(kPerRoom + 1));
    for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
  }
}

TEST_F(GroupCommitTest, OneBadRequestFailsAloneInItsBatch) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  const StoreStats before = store_->Stats();
  HoldWriter();

  std::vector<std::future<Status>> results;
  auto append = [&](AppendRequest req) {
    auto p = std::make_shared<std::promise<Status>>();
    results.push_back(p->get_future());
    store_->Append(std::move(req), [p](Status s) { p->set_value(std::move(s)); });
  };
  append(Next("m", 2, "good-1"));
  append(Next("m", 2, "taken-seq"));  // seq 2 was just taken by good-1
  append(Next("m", 5, "gap"));
  append(Next("m", 3, "good-1"));  // duplicate id
  append(Next("missing", 1, "x"));
  append(Next("m", 3, "good-2"));
  Release();

  std::vector<Status::Code> codes;
  for (auto& f : results) codes.push_back(f.get().code());
  EXPECT_EQ(codes, (std::vector<Status::Code>{Status::Code::kOk, Status::Code::kConflict,
                                              Status::Code::kConflict, Status::Code::kDuplicate,
                                              Status::Code::kNotFound, Status::Code::kOk}));
  const StoreStats after = store_->Stats();
  EXPECT_EQ(after.commits - before.commits, 2u);  // the gate's, and one for all six requests
  EXPECT_EQ(after.failed_appends - before.failed_appends, 4u);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store_->ReadEvents("m", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].id, "good-1");
  EXPECT_EQ(events[2].id, "good-2");
}

TEST_F(GroupCommitTest, FlushWaitsForEverythingQueuedBeforeIt) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  store_->Flush();  // nothing pending: returns at once
  HoldWriter();
  std::atomic<int> completed{0};
  for (int64_t seq = 2; seq <= 101; ++seq) {
    store_->Append(Next("m", seq, "e" + std::to_string(seq)), [&](Status s) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      completed.fetch_add(1);
    });
  }
  std::thread releaser([&] { Release(); });
  store_->Flush();
  EXPECT_EQ(completed.load(), 100);
  releaser.join();
  int64_t head = 0;
  ASSERT_TRUE(store_->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 101);
}

TEST_F(GroupCommitTest, CloseRunsEveryQueuedCallback) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  HoldWriter();
  std::atomic<int> ok{0};
  for (int64_t seq = 2; seq <= 51; ++seq) {
    store_->Append(Next("m", seq, "e" + std::to_string(seq)), [&](Status s) {
      if (s.ok()) ok.fetch_add(1);
    });
  }
  std::thread releaser([&] { Release(); });
  store_.reset();  // drains, then joins the writer
  releaser.join();
  EXPECT_EQ(ok.load(), 50);
  ASSERT_TRUE(SqliteStore::Open(dir_.File("log.db"), &store_).ok());
  int64_t head = 0;
  ASSERT_TRUE(store_->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 51);
}

TEST_F(GroupCommitTest, ACallbackThatThrowsDoesNotStopTheWriter) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  store_->Append(Next("m", 2, "a"), [](Status) { throw std::runtime_error("room bug"); });
  EXPECT_TRUE(AppendAndWait(*store_, Next("m", 3, "b")).ok());
}

TEST_F(GroupCommitTest, StatsCountEventsAndCommitTime) {
  AppendRequest req = CreateRequest("m");
  req.events.push_back(MakeEvent(2, "two"));
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());
  EXPECT_EQ(AppendAndWait(*store_, Next("m", 2, "dup-seq")).code(), Status::Code::kConflict);
  StoreStats s = store_->Stats();
  EXPECT_EQ(s.appends, 1u);
  EXPECT_EQ(s.events, 2u);
  EXPECT_EQ(s.failed_appends, 1u);
  EXPECT_EQ(s.commits, 2u);  // a batch whose only request failed still commits (an empty transaction)
  EXPECT_GT(s.commit_micros, 0u);
  EXPECT_EQ(s.max_batch_events, 2u);
}

}  // namespace
}  // namespace confab::store
