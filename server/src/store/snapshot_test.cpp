// Snapshots (schema v3): written through the group commit, never ahead of the durable log, and found
// by seq and by time with one seek.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <limits>
#include <string>

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::PutSnapshotAndWait;
using testing::TempDir;

constexpr int64_t kAny = std::numeric_limits<int64_t>::max();

Snapshot Snap(const std::string& meeting, int64_t seq, int64_t last_ts) {
  return Snapshot{meeting, seq, last_ts, "{\"seq\":" + std::to_string(seq) + "}"};
}

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SqliteStore::Open(path_, &store_).ok());
    Fill("m", 400);
  }
  // Seqs 1..n of a new meeting.
  void Fill(const std::string& meeting, int64_t n) {
    ASSERT_TRUE(AppendAndWait(*store_, CreateRequest(meeting)).ok());
    AppendRequest req;
    req.meeting_id = meeting;
    for (int64_t seq = 2; seq <= n; ++seq)
      req.events.push_back(MakeEvent(seq, meeting + std::to_string(seq)));
    ASSERT_TRUE(AppendAndWait(*store_, std::move(req)).ok());
  }
  // The seq of the snapshot LatestSnapshot picks, or 0 for NotFound.
  int64_t Latest(const std::string& meeting, int64_t max_seq, int64_t max_ts) {
    Snapshot got;
    Status s = store_->LatestSnapshot(meeting, max_seq, max_ts, &got);
    if (s.code() == Status::Code::kNotFound) return 0;
    EXPECT_TRUE(s.ok()) << s.ToString();
    EXPECT_EQ(got.meeting_id, meeting);
    EXPECT_EQ(got.state_json, "{\"seq\":" + std::to_string(got.seq) + "}");
    return got.seq;
  }

  TempDir dir_;
  std::string path_ = dir_.File("snap.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SnapshotTest, RoundTripsExactlyAndSurvivesReopen) {
  Snapshot in{"m", 42, 1732770000042, R"({"cards":[{"text":"naïve \"quoted\"\n"}],"phase":"vote"})"};
  ASSERT_TRUE(PutSnapshotAndWait(*store_, in).ok());
  store_.reset();
  ASSERT_TRUE(SqliteStore::Open(path_, &store_).ok());
  Snapshot out;
  ASSERT_TRUE(store_->LatestSnapshot("m", kAny, kAny, &out).ok());
  EXPECT_EQ(out.meeting_id, in.meeting_id);
  EXPECT_EQ(out.seq, in.seq);
  EXPECT_EQ(out.last_ts, in.last_ts);
  EXPECT_EQ(out.state_json, in.state_json);
}

TEST_F(SnapshotTest, LatestIsChosenBySeqAndByTimeInclusively) {
  Fill("other", 500);
  for (int64_t seq : {100, 200, 300}) ASSERT_TRUE(PutSnapshotAndWait(*store_, Snap("m", seq, seq * 10)).ok());
  ASSERT_TRUE(PutSnapshotAndWait(*store_, Snap("other", 450, 1)).ok());

  EXPECT_EQ(Latest("m", kAny, kAny), 300);
  EXPECT_EQ(Latest("m", 300, 3000), 300);  // both bounds inclusive
  EXPECT_EQ(Latest("m", 299, kAny), 200);
  EXPECT_EQ(Latest("m", kAny, 2999), 200);
  EXPECT_EQ(Latest("m", 250, 1500), 100);  // the tighter bound decides
  EXPECT_EQ(Latest("m", 99, kAny), 0);
  EXPECT_EQ(Latest("m", kAny, 999), 0);
  EXPECT_EQ(Latest("nobody", kAny, kAny), 0);
  EXPECT_EQ(Latest("other", kAny, kAny), 450);  // other meetings' snapshots are neither seen nor hiding

  // A clock that stepped back: the latest by seq that satisfies both bounds, not the latest by time.
  ASSERT_TRUE(PutSnapshotAndWait(*store_, Snap("m", 400, 1500)).ok());
  EXPECT_EQ(Latest("m", kAny, 2500), 400);
  EXPECT_EQ(Latest("m", kAny, 1499), 100);
}

TEST_F(SnapshotTest, ASnapshotAtTheSameSeqReplacesTheOldOne) {
  ASSERT_TRUE(PutSnapshotAndWait(*store_, Snapshot{"m", 100, 1000, "{\"v\":1}"}).ok());
  ASSERT_TRUE(PutSnapshotAndWait(*store_, Snapshot{"m", 100, 1000, "{\"v\":2}"}).ok());
  Snapshot out;
  ASSERT_TRUE(store_->LatestSnapshot("m", kAny, kAny, &out).ok());
  EXPECT_EQ(out.state_json, "{\"v\":2}");
}

TEST_F(SnapshotTest, ASnapshotMayNotRunAheadOfTheLog) {
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("m", 401, 1)).code(), Status::Code::kInvalid);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("nobody", 1, 1)).code(), Status::Code::kNotFound);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("", 1, 1)).code(), Status::Code::kInvalid);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("m", 0, 1)).code(), Status::Code::kInvalid);
  EXPECT_EQ(Latest("m", kAny, kAny), 0);
}

// A room queues its snapshot right behind the append it folds: both land in one transaction, and a
// snapshot behind an append that failed fails too (it would describe events that are not stored).
TEST_F(SnapshotTest, SnapshotsAreGroupCommittedWithTheAppendsBeforeThem) {
  std::promise<void> held_promise, release_promise;
  std::shared_future<void> release = release_promise.get_future().share();
  store_->Append(CreateRequest("gate"), [&](Status s) {
    held_promise.set_value();
    release.wait();
  });
  held_promise.get_future().wait();
  const StoreStats before = store_->Stats();

  auto next = [](int64_t seq, const std::string& id) {
    AppendRequest req;
    req.meeting_id = "m";
    req.events.push_back(MakeEvent(seq, id));
    return req;
  };
  std::promise<Status> a1, s1, a2, s2;
  store_->Append(next(401, "m401"), [&](Status s) { a1.set_value(s); });
  store_->PutSnapshot(Snap("m", 401, 4010), [&](Status s) { s1.set_value(s); });
  store_->Append(next(401, "again"), [&](Status s) { a2.set_value(s); });  // seq taken: Conflict
  store_->PutSnapshot(Snap("m", 402, 4020), [&](Status s) { s2.set_value(s); });
  release_promise.set_value();
  store_->Flush();

  EXPECT_TRUE(a1.get_future().get().ok());
  EXPECT_TRUE(s1.get_future().get().ok());
  EXPECT_EQ(a2.get_future().get().code(), Status::Code::kConflict);
  EXPECT_EQ(s2.get_future().get().code(), Status::Code::kInvalid);
  EXPECT_EQ(store_->Stats().commits - before.commits, 1u);
  EXPECT_EQ(Latest("m", kAny, kAny), 401);
}

// The statement LatestSnapshot runs (kept in step with sqlite_store.cpp by hand) is a primary-key
// search, not a scan or a sort.
TEST_F(SnapshotTest, LatestSnapshotIsOneSeekInThePrimaryKey) {
  store_.reset();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw,
                               "EXPLAIN QUERY PLAN SELECT seq, last_ts, state_json FROM snapshots WHERE "
                               "meeting_id = ?1 AND seq <= ?2 AND last_ts <= ?3 ORDER BY seq DESC LIMIT 1",
                               -1, &stmt, nullptr),
            SQLITE_OK);
  std::string plan;
  while (sqlite3_step(stmt) == SQLITE_ROW)
    plan += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 3)) + std::string("\n");
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  EXPECT_NE(plan.find("SEARCH snapshots USING PRIMARY KEY (meeting_id=? AND seq<?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
}

}  // namespace
}  // namespace confab::store
