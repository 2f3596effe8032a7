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
