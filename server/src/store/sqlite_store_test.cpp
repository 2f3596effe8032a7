// SqliteStore: what a room, a joining client and the CLI can rely on from the event log.
#include "store/sqlite_store.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <future>

#include "store/schema.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    ASSERT_TRUE(SqliteStore::Open(db_path_, &store_).ok());
  }
  AppendRequest Next(const std::string& meeting, std::vector<StoredEvent> events) {
    AppendRequest req;
    req.meeting_id = meeting;
    req.events = std::move(events);
    return req;
  }
  int64_t Head(const std::string& meeting) {
    int64_t head = -1;
    EXPECT_TRUE(store_->HeadSeq(meeting, &head).ok());
    return head;
  }

  TempDir dir_;
  std::string db_path_ = dir_.File("confab.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, ReadsDoNotWaitForAnOpenWriteTransaction) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  // Another connection (another process, in real life) holds the write lock mid-transaction.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_path_.c_str(), &raw), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(raw, "BEGIN IMMEDIATE; DELETE FROM events;", nullptr, nullptr, nullptr), SQLITE_OK);
  const auto started = std::chrono::steady_clock::now();
  std::vector<StoredEvent> got;
  EXPECT_TRUE(store_->ReadEvents("m1", 0, 0, false, &got).ok());
  EXPECT_EQ(got.size(), 1u);  // the committed snapshot, not the uncommitted delete
  // Far below the 5 s busy timeout a blocked reader would have waited.
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(2));
  sqlite3_exec(raw, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(raw);
}

TEST_F(SqliteStoreTest, SchemaVersionIsRecordedAndANewerFileIsRefused) {
  store_.reset();
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db_path_.c_str(), &raw), SQLITE_OK);
  auto query = [&](const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    std::string out;
    EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr), SQLITE_OK) << sql;
    if (stmt && sqlite3_step(stmt) == SQLITE_ROW)
      out = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return out;
  };
  EXPECT_EQ(query("SELECT MAX(version) FROM schema_version"), std::to_string(kSchemaVersion));
  EXPECT_EQ(query("SELECT COUNT(*) FROM schema_version"), std::to_string(kSchemaVersion));  // one row each
  EXPECT_EQ(query("PRAGMA journal_mode"), "wal");

  // Reopening an up-to-date file applies nothing again.
  Reopen();
  store_.reset();
  EXPECT_EQ(query("SELECT COUNT(*) FROM schema_version"), std::to_string(kSchemaVersion));

  ASSERT_EQ(sqlite3_exec(raw, "INSERT INTO schema_version VALUES (999, 0)", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(raw);
  std::unique_ptr<SqliteStore> newer;
  Status s = SqliteStore::Open(db_path_, &newer);
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_NE(s.message().find("999"), std::string::npos) << s.message();
}

TEST_F(SqliteStoreTest, DescribeNamesTheFile) {
  EXPECT_EQ(store_->Describe(), "sqlite:" + db_path_);
}

}  // namespace
}  // namespace confab::store
