// Schema v4: the database itself refuses a second row at a (meeting, seq) or (meeting, id), whatever
// the writer's cache believes; two writers racing on one file cannot both take a seq; a file that
// already holds duplicates is not migrated; FindDuplicateKeys reads them from the table.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <future>
#include <string>
#include <thread>

#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::TempDir;

AppendRequest One(const std::string& mid, int64_t seq, const std::string& id) {
  AppendRequest req;
  req.meeting_id = mid;
  req.events.push_back(MakeEvent(seq, id));
  return req;
}

// Runs `sql` on its own connection, as a tool or a second process would; returns the extended code.
int RawExec(const std::string& path, const std::string& sql, std::string* message = nullptr) {
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 5000);
  const int rc = sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr);
  if (message) *message = sqlite3_errmsg(raw);
  sqlite3_close(raw);
  return rc;
}

TEST(UniqueKeysTest, TheTableRefusesASecondRowAtASeqOrAnId) {
  TempDir dir;
  const std::string path = dir.File("u.db");
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(path, &store).ok());
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  ASSERT_TRUE(AppendAndWait(*store, One("m", 2, "e2")).ok());
  store->Flush();
  std::string why;
  EXPECT_EQ(RawExec(path, "INSERT INTO events VALUES ('m', 2, 'other', 'card_added', 'p', 0, 1, '{}')", &why),
            SQLITE_CONSTRAINT_UNIQUE)
      << why;
  EXPECT_EQ(RawExec(path, "INSERT INTO events VALUES ('m', 3, 'e2', 'card_added', 'p', 0, 1, '{}')", &why),
            SQLITE_CONSTRAINT_UNIQUE)
      << why;
  // Another meeting may reuse both.
  EXPECT_EQ(RawExec(path, "INSERT INTO events VALUES ('n', 2, 'e2', 'card_added', 'p', 0, 1, '{}')"),
            SQLITE_OK);
  std::vector<DuplicateKey> dups;
  ASSERT_TRUE(store->FindDuplicateKeys(&dups).ok());
  EXPECT_TRUE(dups.empty());
}

TEST(UniqueKeysTest, TwoWritersOnOneFileNeverBothTakeASeq) {
  TempDir dir;
  const std::string path = dir.File("race.db");
  std::unique_ptr<SqliteStore> a, b;
  ASSERT_TRUE(SqliteStore::Open(path, &a).ok());
  ASSERT_TRUE(SqliteStore::Open(path, &b).ok());
  ASSERT_TRUE(AppendAndWait(*a, CreateRequest("m")).ok());

  // Each round both writers claim the same next seq, with different event ids, at the same moment.
  // Each writer's cache believes the seq is free (it saw its own last append, maybe not the other's).
  constexpr int kRounds = 200;
  int64_t head = 1;
  int a_won = 0, b_won = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int64_t seq = head + 1;
    std::promise<Status> pa, pb;
    std::thread ta(
        [&] { a->Append(One("m", seq, "a" + std::to_string(round)), [&](Status s) { pa.set_value(s); }); });
    std::thread tb(
        [&] { b->Append(One("m", seq, "b" + std::to_string(round)), [&](Status s) { pb.set_value(s); }); });
    ta.join();
    tb.join();
    const Status sa = pa.get_future().get(), sb = pb.get_future().get();
    ASSERT_NE(sa.ok(), sb.ok()) << "round " << round << ": " << sa.ToString() << " / " << sb.ToString();
    const Status& lost = sa.ok() ? sb : sa;
    EXPECT_EQ(lost.code(), Status::Code::kConflict) << lost.ToString();
    (sa.ok() ? a_won : b_won)++;
    head = seq;
  }
  // Both won some rounds, so both caches were stale some of the time (not required: reported).
  std::cout << "writer a won " << a_won << " rounds, b " << b_won << "\n";
  int64_t stored = 0;
  ASSERT_TRUE(a->HeadSeq("m", &stored).ok());
  EXPECT_EQ(stored, 1 + kRounds);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(b->ReadEvents("m", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), static_cast<size_t>(1 + kRounds));
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
  std::vector<DuplicateKey> dups;
  ASSERT_TRUE(a->FindDuplicateKeys(&dups).ok());
  EXPECT_TRUE(dups.empty());
}

TEST(UniqueKeysTest, AFileWithDuplicatesIsNotMigratedAndFindDuplicateKeysNamesThem) {
  TempDir dir;
  const std::string path = dir.File("old.db");
  {
    std::unique_ptr<SqliteStore> store;
    ASSERT_TRUE(SqliteStore::Open(path, &store).ok());
    ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
    ASSERT_TRUE(AppendAndWait(*store, One("m", 2, "e2")).ok());
  }
  // What a v3 file could hold: no unique indexes, a seq and an id stored twice.
  ASSERT_EQ(RawExec(path,
                    "DROP INDEX events_meeting_seq; DROP INDEX events_meeting_event_id;"
                    "DELETE FROM schema_version WHERE version = 4;"
                    "INSERT INTO events VALUES ('m', 2, 'twin', 'card_added', 'p', 0, 1, '{}');"
                    "INSERT INTO events VALUES ('m', 3, 'e2', 'card_added', 'p', 0, 1, '{}');"),
            SQLITE_OK);
  std::unique_ptr<SqliteStore> store;
  Status s = SqliteStore::Open(path, &store);
  EXPECT_EQ(s.code(), Status::Code::kInvalid) << s.ToString();
  EXPECT_NE(s.message().find("schema version 4"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("meeting m seq 2 (2 rows)"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("meeting m id e2 (2 rows)"), std::string::npos) << s.message();
  // Nothing changed: still version 3, no index.
  std::string why;
  EXPECT_EQ(RawExec(path, "INSERT INTO events VALUES ('m', 2, 'third', 'card_added', 'p', 0, 1, '{}')", &why),
            SQLITE_OK)
      << why;

  // Once the extra rows are gone the same file migrates.
  ASSERT_EQ(RawExec(path, "DELETE FROM events WHERE id IN ('twin', 'third') OR (seq = 3 AND id = 'e2')"),
            SQLITE_OK);
  ASSERT_TRUE(SqliteStore::Open(path, &store).ok());
  std::vector<DuplicateKey> dups;
  ASSERT_TRUE(store->FindDuplicateKeys(&dups).ok());
  EXPECT_TRUE(dups.empty());
  int64_t head = 0;
  ASSERT_TRUE(store->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 2);
}

TEST(UniqueKeysTest, FindDuplicateKeysReadsTheTableNotTheIndex) {
  TempDir dir;
  const std::string path = dir.File("d.db");
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(path, &store).ok());
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  store->Flush();
  ASSERT_EQ(RawExec(path,
                    "DROP INDEX events_meeting_seq; DROP INDEX events_meeting_event_id;"
                    "INSERT INTO events VALUES ('m', 1, 'twin', 'card_added', 'p', 0, 1, '{}');"
                    "INSERT INTO events VALUES ('m', 2, 'ev-m-1', 'card_added', 'p', 0, 1, '{}');"),
            SQLITE_OK);
  std::vector<DuplicateKey> dups;
  ASSERT_TRUE(store->FindDuplicateKeys(&dups).ok());
  ASSERT_EQ(dups.size(), 2u);
  EXPECT_EQ(dups[0].meeting_id, "m");
  EXPECT_EQ(dups[0].column, "seq");
  EXPECT_EQ(dups[0].value, "1");
  EXPECT_EQ(dups[0].rows, 2);
  EXPECT_EQ(dups[1].column, "id");
  EXPECT_EQ(dups[1].value, "ev-m-1");
  EXPECT_EQ(dups[1].rows, 2);
}

}  // namespace
}  // namespace confab::store
