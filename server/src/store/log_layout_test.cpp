// Schema v2: the log in commit order with a deferred index, the writer's per-meeting cache, and the
// migration from a v1 file. What is asserted is the Store contract across the index/tail boundary,
// across reopen, and with a second writer on the same file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "store/group_commit_writer.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::TempDir;

AppendRequest Events(const std::string& meeting, int64_t first, int count,
                     const std::string& id_prefix = "") {
  AppendRequest req;
  req.meeting_id = meeting;
  for (int i = 0; i < count; ++i) {
    const int64_t seq = first + i;
    req.events.push_back(MakeEvent(seq,
                                   (id_prefix.empty() ? meeting : id_prefix) + "-e" + std::to_string(seq),
                                   "card_added", seq % 3 != 0));
  }
  return req;
}

void ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* msg = nullptr;
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
  sqlite3_free(msg);
  sqlite3_close(raw);
}

std::vector<int64_t> Seqs(const std::vector<StoredEvent>& events) {
  std::vector<int64_t> out;
  for (const StoredEvent& e : events) out.push_back(e.seq);
  return out;
}

class LogLayoutTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    ASSERT_TRUE(SqliteStore::Open(path_, &store_).ok());
  }
  // Writes seqs 1..n of `meeting` (n > the index interval, so some are indexed, the rest in the tail).
  void Fill(const std::string& meeting, int64_t n) {
    ASSERT_TRUE(AppendAndWait(*store_, CreateRequest(meeting)).ok());
    for (int64_t seq = 2; seq <= n; seq += 100) {
      const int count = static_cast<int>(std::min<int64_t>(100, n - seq + 1));
      ASSERT_TRUE(AppendAndWait(*store_, Events(meeting, seq, count)).ok()) << seq;
    }
  }

  TempDir dir_;
  std::string path_ = dir_.File("log.db");
  std::unique_ptr<SqliteStore> store_;
};

constexpr int64_t kMany = GroupCommitWriter::kIndexEveryEvents + 1500;

TEST_F(LogLayoutTest, ReadsSpanTheIndexAndTheTail) {
  Fill("big", kMany);
  Fill("small", 30);
  const uint64_t flushes = store_->Stats().index_flushes;
  EXPECT_GE(flushes, 2u);  // the one at open, and at least one after kIndexEveryEvents

  int64_t head = 0;
  ASSERT_TRUE(store_->HeadSeq("big", &head).ok());
  EXPECT_EQ(head, kMany);
  std::vector<StoredEvent> all;
  ASSERT_TRUE(store_->ReadEvents("big", 0, 0, false, &all).ok());
  ASSERT_EQ(all.size(), static_cast<size_t>(kMany));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i].seq, static_cast<int64_t>(i + 1));
  EXPECT_EQ(all.back().json,
            MakeEvent(kMany, "big-e" + std::to_string(kMany), "card_added", kMany % 3 != 0).json);

  // A page that starts in the index and ends in the tail, with moments skipped.
  std::vector<StoredEvent> page;
  const int64_t boundary = GroupCommitWriter::kIndexEveryEvents;
  ASSERT_TRUE(store_->ReadEvents("big", boundary - 10, 20, true, &page).ok());
  ASSERT_EQ(page.size(), 20u);
  int64_t expect = boundary - 9;
  for (const StoredEvent& e : page) {
    while (expect % 3 == 0) ++expect;
    EXPECT_EQ(e.seq, expect++);
    EXPECT_TRUE(e.replayed);
  }

  int64_t seq = 0;
  ASSERT_TRUE(store_->FindEventSeq("big", "big-e7", &seq).ok());
  EXPECT_EQ(seq, 7);
  ASSERT_TRUE(store_->FindEventSeq("big", "big-e" + std::to_string(kMany - 1), &seq).ok());
  EXPECT_EQ(seq, kMany - 1);
  EXPECT_EQ(store_->FindEventSeq("small", "big-e7", &seq).code(), Status::Code::kNotFound);

  // ScanAll: meeting by meeting, each in seq order, index and tail merged.
  std::vector<std::pair<std::string, int64_t>> scanned;
  ASSERT_TRUE(store_
                  ->ScanAll([&](const StoredEvent& e) {
                    scanned.emplace_back(e.meeting_id, e.seq);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(scanned.size(), static_cast<size_t>(kMany + 30));
  for (size_t i = 0; i < static_cast<size_t>(kMany); ++i)
    ASSERT_EQ(scanned[i], std::make_pair(std::string("big"), int64_t(i + 1)));
  for (size_t i = 0; i < 30; ++i)
    ASSERT_EQ(scanned[kMany + i], std::make_pair(std::string("small"), int64_t(i + 1)));
}

TEST_F(LogLayoutTest, DuplicatesAndConflictsAreFoundInTheIndexTheTailAndAfterReopen) {
  Fill("m", kMany);
  const std::string indexed_id = "m-e5";
  const std::string tail_id = "m-e" + std::to_string(kMany);
  AppendRequest again = Events("m", kMany + 1, 1);
  again.events[0].id = indexed_id;
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kDuplicate);
  again.events[0].id = tail_id;
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kDuplicate);
  // Two events of one request with one id.
  AppendRequest twice = Events("m", kMany + 1, 2);
  twice.events[1].id = twice.events[0].id;
  EXPECT_EQ(AppendAndWait(*store_, twice).code(), Status::Code::kDuplicate);
  EXPECT_EQ(AppendAndWait(*store_, Events("m", kMany, 1, "fresh")).code(), Status::Code::kConflict);

  Reopen();  // a cold cache: everything is read back from the file
  again.events[0].id = tail_id;
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kDuplicate);
  EXPECT_EQ(AppendAndWait(*store_, Events("m", 3, 1, "fresh")).code(), Status::Code::kConflict);
  EXPECT_EQ(AppendAndWait(*store_, Events("m", kMany + 2, 1, "fresh")).code(), Status::Code::kConflict);
  ASSERT_TRUE(AppendAndWait(*store_, Events("m", kMany + 1, 1, "fresh")).ok());
  int64_t head = 0;
  ASSERT_TRUE(store_->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, kMany + 1);
  EXPECT_EQ(store_->Stats().failed_appends, 3u);
}

TEST_F(LogLayoutTest, TheCacheForgetsMeetingsPastItsBoundAndStaysExact) {
  // Memory must not grow with meetings ever written to: past the bound, the flush forgets them all.
  store_->SetMaxCachedMeetingsForTesting(8);
  constexpr int kMeetings = 20;
  for (int i = 0; i < kMeetings; ++i) {
    const std::string m = "m" + std::to_string(i);
    ASSERT_TRUE(AppendAndWait(*store_, CreateRequest(m)).ok());
    ASSERT_TRUE(AppendAndWait(*store_, Events(m, 2, 2)).ok());  // seqs 1..3
  }
  EXPECT_EQ(store_->Stats().cached_meetings, static_cast<uint64_t>(kMeetings));  // no flush yet

  const uint64_t flushes = store_->Stats().index_flushes;
  Fill("big", GroupCommitWriter::kIndexEveryEvents + 200);  // crosses an index flush
  ASSERT_GT(store_->Stats().index_flushes, flushes);
  EXPECT_EQ(store_->Stats().cached_meetings, 1u);  // "big", reloaded after the flush; the 20 are gone

  // A forgotten meeting is read back from the index: its head and its ids are still exact.
  AppendRequest dup = Events("m7", 4, 1);
  dup.events[0].id = "m7-e2";
  EXPECT_EQ(AppendAndWait(*store_, dup).code(), Status::Code::kDuplicate);
  EXPECT_EQ(AppendAndWait(*store_, Events("m7", 3, 1, "fresh")).code(), Status::Code::kConflict);
  ASSERT_TRUE(AppendAndWait(*store_, Events("m7", 4, 1, "fresh")).ok());
  int64_t head = 0;
  ASSERT_TRUE(store_->HeadSeq("m7", &head).ok());
  EXPECT_EQ(head, 4);
}

TEST_F(LogLayoutTest, AnotherWriterOnTheSameFileIsNoticed) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, Events("m", 2, 3)).ok());  // head 4, cached by store_

  // A second process (e.g. `confab import` next to a running server) appends seq 5.
  std::unique_ptr<SqliteStore> other;
  ASSERT_TRUE(SqliteStore::Open(path_, &other).ok());
  ASSERT_TRUE(AppendAndWait(*other, Events("m", 5, 1, "other")).ok());
  other.reset();

  // The first writer must not trust its cached head (4) nor its cached ids.
  EXPECT_EQ(AppendAndWait(*store_, Events("m", 5, 1, "mine")).code(), Status::Code::kConflict);
  AppendRequest dup = Events("m", 6, 1);
  dup.events[0].id = "other-e5";
  EXPECT_EQ(AppendAndWait(*store_, dup).code(), Status::Code::kDuplicate);
  ASSERT_TRUE(AppendAndWait(*store_, Events("m", 6, 1, "mine")).ok());
  std::vector<StoredEvent> all;
  ASSERT_TRUE(store_->ReadEvents("m", 0, 0, false, &all).ok());
  EXPECT_EQ(Seqs(all), (std::vector<int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(all[4].id, "other-e5");
}

TEST_F(LogLayoutTest, ACreateThatFailsIsNotRemembered) {
  AppendRequest create = CreateRequest("m");
  create.credentials = {Credential{"m", "p_ada", "h1"}, Credential{"m", "p_ada", "h2"}};  // 2nd conflicts
  EXPECT_EQ(AppendAndWait(*store_, create).code(), Status::Code::kConflict);
  // Had the writer cached "m" as created, this would be stored without a meetings row.
  EXPECT_EQ(AppendAndWait(*store_, Events("m", 2, 1)).code(), Status::Code::kNotFound);
  EXPECT_EQ(AppendAndWait(*store_, Events("m", 1, 1)).code(), Status::Code::kNotFound);
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, Events("m", 2, 1)).ok());
}

TEST_F(LogLayoutTest, PipelinedAppendsOfOneRoomShareABatch) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  // Queued back to back without waiting: seq k+1 is checked against k written earlier in the batch,
  // and a failure in the middle (a duplicate) does not undo its neighbours.
  std::vector<std::promise<Status>> done(4);
  std::vector<AppendRequest> reqs = {Events("m", 2, 1), Events("m", 3, 2), Events("m", 5, 1),
                                     Events("m", 5, 1, "x")};
  reqs[2].events[0].id = "m-e2";  // duplicate of the first
  for (size_t i = 0; i < reqs.size(); ++i)
    store_->Append(std::move(reqs[i]), [&done, i](Status s) { done[i].set_value(std::move(s)); });
  EXPECT_TRUE(done[0].get_future().get().ok());
  EXPECT_TRUE(done[1].get_future().get().ok());
  EXPECT_EQ(done[2].get_future().get().code(), Status::Code::kDuplicate);
  EXPECT_TRUE(done[3].get_future().get().ok());
  std::vector<StoredEvent> all;
  ASSERT_TRUE(store_->ReadEvents("m", 0, 0, false, &all).ok());
  EXPECT_EQ(Seqs(all), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(all[4].id, "x-e5");
}

// A file written by the first release (schema v1: events clustered on (meeting_id, seq)).
TEST(LogMigrationTest, AVersion1FileIsMigratedAndKeepsItsEvents) {
  TempDir dir;
  const std::string path = dir.File("v1.db");
  ExecRaw(path,
          "PRAGMA journal_mode=WAL;"
          "CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_ts INTEGER NOT NULL);"
          "INSERT INTO schema_version VALUES (1, 1732770000000);"
          "CREATE TABLE meetings (id TEXT PRIMARY KEY NOT NULL, facilitator_token_hash TEXT NOT NULL,"
          "  created_ts INTEGER NOT NULL) WITHOUT ROWID;"
          "CREATE TABLE events (meeting_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,"
          "  type TEXT NOT NULL, actor_pid TEXT NOT NULL, ts INTEGER NOT NULL, replayed INTEGER NOT NULL,"
          "  json TEXT NOT NULL, PRIMARY KEY (meeting_id, seq), UNIQUE (meeting_id, id)) WITHOUT ROWID;"
          "CREATE TABLE credentials (meeting_id TEXT NOT NULL, pid TEXT NOT NULL, secret_hash TEXT NOT NULL,"
          "  PRIMARY KEY (meeting_id, pid)) WITHOUT ROWID;"
          "INSERT INTO meetings VALUES ('a', 'ha', 1), ('b', 'hb', 2);"
          "INSERT INTO events VALUES ('b', 1, 'b1', 'meeting_created', '', 10, 1, '{\"seq\":1}'),"
          "  ('a', 1, 'a1', 'meeting_created', '', 11, 1, '{\"seq\":1}'),"
          "  ('a', 2, 'a2', 'reaction', 'p_ada', 12, 0, '{\"seq\":2}'),"
          "  ('a', 3, 'a3', 'card_added', 'p_ada', 13, 1, '{\"seq\":3}');"
          "INSERT INTO credentials VALUES ('a', 'p_ada', 'secret');");

  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(path, &store).ok());
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store->ReadEvents("a", 0, 0, false, &events).ok());
  ASSERT_EQ(Seqs(events), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(events[1].id, "a2");
  EXPECT_EQ(events[1].type, "reaction");
  EXPECT_EQ(events[1].actor_pid, "p_ada");
  EXPECT_EQ(events[1].ts, 12);
  EXPECT_FALSE(events[1].replayed);
  EXPECT_EQ(events[2].json, "{\"seq\":3}");
  int64_t seq = 0;
  ASSERT_TRUE(store->FindEventSeq("a", "a3", &seq).ok());
  EXPECT_EQ(seq, 3);
  ASSERT_TRUE(store->HeadSeq("b", &seq).ok());
  EXPECT_EQ(seq, 1);
  Credential cred;
  ASSERT_TRUE(store->GetCredential("a", "p_ada", &cred).ok());
  EXPECT_EQ(cred.secret_hash, "secret");

  // The contract holds on migrated data: old seqs and ids are taken, the next seq is free.
  AppendRequest req = Events("a", 4, 1);
  req.events[0].id = "a2";
  EXPECT_EQ(AppendAndWait(*store, req).code(), Status::Code::kDuplicate);
  EXPECT_EQ(AppendAndWait(*store, Events("a", 3, 1)).code(), Status::Code::kConflict);
  ASSERT_TRUE(AppendAndWait(*store, Events("a", 4, 1)).ok());
  size_t scanned = 0;
  ASSERT_TRUE(store->ScanAll([&](const StoredEvent&) { return ++scanned > 0; }).ok());
  EXPECT_EQ(scanned, 5u);
  store.reset();

  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT MAX(version) FROM schema_version", -1, &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), kSchemaVersion);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
}

}  // namespace
}  // namespace confab::store
