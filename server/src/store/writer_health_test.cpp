// WriterHealth: Unavailable from the first batch that cannot commit until one commits again, read
// from memory only. A full disk is simulated with PRAGMA max_page_count on the writer's connection
// (SQLITE_FULL exactly where a real full disk fails: when the file must grow), which needs neither
// mounts nor a non-root user.
#include <gtest/gtest.h>

#include <string>

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"
#include "util/thread_role.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::PutSnapshotAndWait;
using testing::TempDir;

// An event large enough that storing it needs new pages (overflow pages of its json).
AppendRequest Big(int64_t seq) {
  AppendRequest req;
  req.meeting_id = "m";
  req.events.push_back(MakeEvent(seq, "big-" + std::to_string(seq)));
  req.events.back().json = std::string(256 * 1024, 'x');
  return req;
}

TEST(WriterHealthTest, UnavailableWhileCommitsFailAndOkAgainAfterRecovery) {
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(dir.File("health.db"), &store).ok());
  EXPECT_TRUE(store->WriterHealth().ok());
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  const StoreStats before = store->Stats();

  // The file may not grow past its current size (SQLite raises a smaller limit to the page count).
  ASSERT_TRUE(store->ExecOnWriterForTesting("PRAGMA max_page_count = 1").ok());
  Status failed = AppendAndWait(*store, Big(2));
  EXPECT_EQ(failed.code(), Status::Code::kIoError) << failed.ToString();
  Status health = store->WriterHealth();
  EXPECT_EQ(health.code(), Status::Code::kUnavailable);
  EXPECT_NE(health.message().find("full"), std::string::npos) << health.message();
  EXPECT_EQ(store->Stats().failed_appends - before.failed_appends, 1u);
  {
    // Cheap and memory-only: allowed on an io thread (a read would abort a debug build here).
    IoThreadScope io;
    EXPECT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable);
  }
  // Still failing: still unavailable, and nothing of the failed batches is visible.
  EXPECT_FALSE(AppendAndWait(*store, Big(2)).ok());
  EXPECT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable);
  int64_t head = 0;
  ASSERT_TRUE(store->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 1);

  // Space again: the next commit clears it.
  ASSERT_TRUE(store->ExecOnWriterForTesting("PRAGMA max_page_count = 1073741823").ok());
  ASSERT_TRUE(AppendAndWait(*store, Big(2)).ok());
  EXPECT_TRUE(store->WriterHealth().ok()) << store->WriterHealth().ToString();
  ASSERT_TRUE(store->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 2);

  // A request that fails on its own (a taken seq) says nothing about the disk.
  EXPECT_EQ(AppendAndWait(*store, Big(2)).code(), Status::Code::kConflict);
  EXPECT_EQ(PutSnapshotAndWait(*store, Snapshot{"m", 9, 0, "{}"}).code(), Status::Code::kInvalid);
  EXPECT_TRUE(store->WriterHealth().ok());

  store->Close();
  EXPECT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable);
}

TEST(WriterHealthTest, ASnapshotThatCannotBeStoredMakesTheWriterUnavailableToo) {
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(dir.File("health.db"), &store).ok());
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  ASSERT_TRUE(store->ExecOnWriterForTesting("PRAGMA max_page_count = 1").ok());
  EXPECT_EQ(PutSnapshotAndWait(*store, Snapshot{"m", 1, 0, std::string(256 * 1024, 's')}).code(),
            Status::Code::kIoError);
  EXPECT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable);
  ASSERT_TRUE(store->ExecOnWriterForTesting("PRAGMA max_page_count = 1073741823").ok());
  ASSERT_TRUE(PutSnapshotAndWait(*store, Snapshot{"m", 1, 0, "{}"}).ok());
  EXPECT_TRUE(store->WriterHealth().ok());
}

// The bug behind "/healthz said ok on a full disk": a batch whose requests were all refused by their
// own checks commits an empty transaction, which needs no disk, and counted as recovery.
TEST(WriterHealthTest, ABatchThatWritesNothingIsNoRecovery) {
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(dir.File("health.db"), &store).ok());
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  ASSERT_TRUE(store->ExecOnWriterForTesting("PRAGMA max_page_count = 1").ok());
  ASSERT_FALSE(AppendAndWait(*store, Big(2)).ok());
  ASSERT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable);
  const WriterHealthReport failing = store->WriterHealthDetail();
  EXPECT_NE(failing.last_error.find("full"), std::string::npos) << failing.last_error;
  EXPECT_GT(failing.since_ms, 0);
  EXPECT_GE(failing.last_error_ms, failing.since_ms);

  EXPECT_EQ(AppendAndWait(*store, Big(1)).code(), Status::Code::kConflict);              // seq taken
  EXPECT_EQ(AppendAndWait(*store, CreateRequest("m")).code(), Status::Code::kConflict);  // meeting exists
  EXPECT_EQ(PutSnapshotAndWait(*store, Snapshot{"m", 9, 0, "{}"}).code(), Status::Code::kInvalid);
  EXPECT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable) << "an empty commit proves nothing";
  EXPECT_EQ(store->WriterHealthDetail().since_ms, failing.since_ms) << "still the same stretch";

  ASSERT_TRUE(store->ExecOnWriterForTesting("PRAGMA max_page_count = 1073741823").ok());
  ASSERT_TRUE(AppendAndWait(*store, Big(2)).ok());
  const WriterHealthReport recovered = store->WriterHealthDetail();
  EXPECT_TRUE(recovered.status.ok()) << recovered.status.ToString();
  EXPECT_EQ(recovered.last_error, failing.last_error) << "the last failure stays visible";
  EXPECT_GE(recovered.since_ms, failing.last_error_ms);
}

TEST(WriterHealthTest, AWalPastItsBoundIsReported) {
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(dir.File("health.db"), &store).ok());
  // 4096 frames is where a checkpoint starts; the schema and the first commit take a few dozen.
  store->SetMaxWalFramesForTesting(128);
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  EXPECT_TRUE(store->WriterHealth().ok()) << store->WriterHealth().ToString();
  for (int64_t seq = 2; seq <= 4; ++seq) ASSERT_TRUE(AppendAndWait(*store, Big(seq)).ok());  // 64+ pages each
  Status health = store->WriterHealth();
  EXPECT_EQ(health.code(), Status::Code::kUnavailable);
  EXPECT_NE(health.message().find("WAL holds"), std::string::npos) << health.message();
  store->SetMaxWalFramesForTesting(Checkpointer::kMaxWalFrames);
  EXPECT_TRUE(store->WriterHealth().ok());
}

}  // namespace
}  // namespace confab::store
