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

TEST_F(SqliteStoreTest, AppendedEventsReadBackExactly) {
  AppendRequest create = CreateRequest("m1", 1234);
  create.events.push_back(MakeEvent(2, "e2", "participant_joined"));
  ASSERT_TRUE(AppendAndWait(*store_, create).ok());
  ASSERT_TRUE(AppendAndWait(*store_, Next("m1", {MakeEvent(3, "e3", "reaction", false, "p_bob")})).ok());

  std::vector<StoredEvent> got;
  ASSERT_TRUE(store_->ReadEvents("m1", 0, 0, false, &got).ok());
  ASSERT_EQ(got.size(), 3u);
  std::vector<StoredEvent> want = create.events;
  want.push_back(MakeEvent(3, "e3", "reaction", false, "p_bob"));
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(got[i].meeting_id, "m1");
    EXPECT_EQ(got[i].seq, want[i].seq);
    EXPECT_EQ(got[i].id, want[i].id);
    EXPECT_EQ(got[i].type, want[i].type);
    EXPECT_EQ(got[i].actor_pid, want[i].actor_pid);
    EXPECT_EQ(got[i].ts, want[i].ts);
    EXPECT_EQ(got[i].replayed, want[i].replayed);
    EXPECT_EQ(got[i].json, want[i].json);
  }
  EXPECT_EQ(Head("m1"), 3);
  MeetingRecord m;
  ASSERT_TRUE(store_->GetMeeting("m1", &m).ok());
  EXPECT_EQ(m.facilitator_token_hash, create.create->facilitator_token_hash);
  EXPECT_EQ(m.created_ts, 1234);
  int64_t seq = 0;
  ASSERT_TRUE(store_->FindEventSeq("m1", "e3", &seq).ok());
  EXPECT_EQ(seq, 3);
  EXPECT_EQ(store_->FindEventSeq("m1", "nope", &seq).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->FindEventSeq("m2", "e3", &seq).code(), Status::Code::kNotFound);
}

TEST_F(SqliteStoreTest, UnknownMeetingIsNotFoundEverywhere) {
  MeetingRecord m;
  int64_t head = 0;
  EXPECT_EQ(store_->GetMeeting("nope", &m).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->HeadSeq("nope", &head).code(), Status::Code::kNotFound);
  EXPECT_EQ(AppendAndWait(*store_, Next("nope", {MakeEvent(1, "a")})).code(), Status::Code::kNotFound);
  std::vector<MeetingRecord> all;
  ASSERT_TRUE(store_->ListMeetings(&all).ok());
  EXPECT_TRUE(all.empty());
}

TEST_F(SqliteStoreTest, MeetingWithoutEventsHasHeadZero) {
  AppendRequest req;
  req.meeting_id = "empty";
  req.create = MeetingRecord{"empty", "h", 1};
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());
  EXPECT_EQ(Head("empty"), 0);
  EXPECT_TRUE(AppendAndWait(*store_, Next("empty", {MakeEvent(1, "first")})).ok());
  EXPECT_EQ(Head("empty"), 1);
}

TEST_F(SqliteStoreTest, CreatingAnExistingMeetingConflictsAndKeepsTheOriginal) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1", 1)).ok());
  AppendRequest again = CreateRequest("m1", 2);
  again.events[0] = MakeEvent(1, "other-id", "meeting_created");
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kConflict);
  MeetingRecord m;
  ASSERT_TRUE(store_->GetMeeting("m1", &m).ok());
  EXPECT_EQ(m.created_ts, 1);
}

TEST_F(SqliteStoreTest, TakenSeqConflictsAndWritesNothing) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, Next("m1", {MakeEvent(2, "a")})).ok());
  Status s = AppendAndWait(*store_, Next("m1", {MakeEvent(2, "b"), MakeEvent(3, "c")}));
  EXPECT_EQ(s.code(), Status::Code::kConflict) << s.ToString();
  EXPECT_EQ(Head("m1"), 2);
  int64_t seq = 0;
  EXPECT_EQ(store_->FindEventSeq("m1", "b", &seq).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->FindEventSeq("m1", "c", &seq).code(), Status::Code::kNotFound);
}

TEST_F(SqliteStoreTest, SeqMustFollowTheStoredHead) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(3, "gap")})).code(), Status::Code::kConflict);
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(0, "zero")})).code(), Status::Code::kConflict);
  // A gap inside one request is a caller bug, not a race.
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(2, "x"), MakeEvent(4, "y")})).code(),
            Status::Code::kInvalid);
  EXPECT_EQ(Head("m1"), 1);
}

TEST_F(SqliteStoreTest, DuplicateEventIdIsRejectedAndNothingOfTheRequestIsWritten) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, Next("m1", {MakeEvent(2, "once")})).ok());
  AppendRequest retry = Next("m1", {MakeEvent(3, "fresh"), MakeEvent(4, "once")});
  retry.credentials.push_back(Credential{"m1", "p_new", "hash"});
  Status s = AppendAndWait(*store_, retry);
  EXPECT_EQ(s.code(), Status::Code::kDuplicate) << s.ToString();
  EXPECT_EQ(Head("m1"), 2);
  int64_t seq = 0;
  EXPECT_EQ(store_->FindEventSeq("m1", "fresh", &seq).code(), Status::Code::kNotFound);
  Credential c;
  EXPECT_EQ(store_->GetCredential("m1", "p_new", &c).code(), Status::Code::kNotFound);
  // The same id in another meeting is a different event.
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m2")).ok());
  EXPECT_TRUE(AppendAndWait(*store_, Next("m2", {MakeEvent(2, "once")})).ok());
}

TEST_F(SqliteStoreTest, MismatchedMeetingIdsAreInvalid) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  StoredEvent e = MakeEvent(2, "x");
  e.meeting_id = "m2";
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {e})).code(), Status::Code::kInvalid);
  AppendRequest create = CreateRequest("m3");
  create.create->id = "m4";
  EXPECT_EQ(AppendAndWait(*store_, create).code(), Status::Code::kInvalid);
  EXPECT_EQ(AppendAndWait(*store_, Next("", {MakeEvent(1, "x")})).code(), Status::Code::kInvalid);
}

TEST_F(SqliteStoreTest, CredentialsAreStoredWithTheirAppend) {
  AppendRequest create = CreateRequest("m1");
  create.credentials.push_back(Credential{"", "p_ada", "hash-ada"});
  ASSERT_TRUE(AppendAndWait(*store_, create).ok());
  Credential c;
  ASSERT_TRUE(store_->GetCredential("m1", "p_ada", &c).ok());
  EXPECT_EQ(c.meeting_id, "m1");
  EXPECT_EQ(c.pid, "p_ada");
  EXPECT_EQ(c.secret_hash, "hash-ada");
  EXPECT_EQ(store_->GetCredential("m1", "p_bob", &c).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->GetCredential("m2", "p_ada", &c).code(), Status::Code::kNotFound);

  AppendRequest again = Next("m1", {MakeEvent(2, "x")});
  again.credentials.push_back(Credential{"m1", "p_ada", "other"});
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kConflict);
  ASSERT_TRUE(store_->GetCredential("m1", "p_ada", &c).ok());
  EXPECT_EQ(c.secret_hash, "hash-ada");
  EXPECT_EQ(Head("m1"), 1);
}

TEST_F(SqliteStoreTest, ReopeningKeepsEverything) {
  AppendRequest create = CreateRequest("m1", 77);
  create.credentials.push_back(Credential{"m1", "p_ada", "hash-ada"});
  ASSERT_TRUE(AppendAndWait(*store_, create).ok());
  for (int64_t seq = 2; seq <= 20; ++seq) {
    store_->Append(Next("m1", {MakeEvent(seq, "e" + std::to_string(seq), "card_added", seq % 5 != 0)}),
                   nullptr);
  }
  Reopen();  // the destructor commits what is queued

  EXPECT_EQ(Head("m1"), 20);
  MeetingRecord m;
  ASSERT_TRUE(store_->GetMeeting("m1", &m).ok());
  EXPECT_EQ(m.created_ts, 77);
  Credential c;
  ASSERT_TRUE(store_->GetCredential("m1", "p_ada", &c).ok());
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store_->ReadEvents("m1", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), 20u);
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
  EXPECT_FALSE(events[9].replayed);
  int64_t seq = 0;
  ASSERT_TRUE(store_->FindEventSeq("m1", "e17", &seq).ok());
  EXPECT_EQ(seq, 17);
  // Appends continue from the persisted head.
  EXPECT_TRUE(AppendAndWait(*store_, Next("m1", {MakeEvent(21, "e21")})).ok());
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(21, "again")})).code(), Status::Code::kConflict);
}

TEST_F(SqliteStoreTest, ReadEventsPagesAndSkipsMoments) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  AppendRequest req = Next("m1", {});
  for (int64_t seq = 2; seq <= 10; ++seq) {
    req.events.push_back(MakeEvent(seq, "e" + std::to_string(seq), "x", seq % 3 != 0));  // 3, 6, 9: moments
  }
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());

  auto seqs = [&](int64_t after, size_t limit, bool replayed_only) {
    std::vector<StoredEvent> got;
    EXPECT_TRUE(store_->ReadEvents("m1", after, limit, replayed_only, &got).ok());
    std::vector<int64_t> out;
    for (const auto& e : got) out.push_back(e.seq);
    return out;
  };
  EXPECT_EQ(seqs(0, 4, false), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(seqs(4, 4, false), (std::vector<int64_t>{5, 6, 7, 8}));
  EXPECT_EQ(seqs(8, 4, false), (std::vector<int64_t>{9, 10}));
  EXPECT_EQ(seqs(10, 4, false), (std::vector<int64_t>{}));
  EXPECT_EQ(seqs(0, 0, true), (std::vector<int64_t>{1, 2, 4, 5, 7, 8, 10}));
  EXPECT_EQ(seqs(2, 3, true), (std::vector<int64_t>{4, 5, 7}));
  EXPECT_EQ(seqs(-5, 2, false), (std::vector<int64_t>{1, 2}));
  std::vector<StoredEvent> none;
  ASSERT_TRUE(store_->ReadEvents("other", 0, 0, false, &none).ok());
  EXPECT_TRUE(none.empty());
}

TEST_F(SqliteStoreTest, ScanEventsStopsWhenAsked) {
  AppendRequest req = CreateRequest("m1");
  for (int64_t seq = 2; seq <= 6; ++seq) req.events.push_back(MakeEvent(seq, "e" + std::to_string(seq)));
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());
  std::vector<int64_t> seen;
  ASSERT_TRUE(store_
                  ->ScanEvents("m1", 2,
                               [&](const StoredEvent& e) {
                                 seen.push_back(e.seq);
                                 return e.seq < 4;
                               })
                  .ok());
  EXPECT_EQ(seen, (std::vector<int64_t>{3, 4}));
}

TEST_F(SqliteStoreTest, ScanAllGoesMeetingByMeetingInSeqOrder) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("zeta")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("alpha")).ok());
  for (int64_t seq = 2; seq <= 4; ++seq) {  // interleaved writes
    ASSERT_TRUE(AppendAndWait(*store_, Next("zeta", {MakeEvent(seq, "z" + std::to_string(seq))})).ok());
    ASSERT_TRUE(AppendAndWait(*store_, Next("alpha", {MakeEvent(seq, "a" + std::to_string(seq))})).ok());
  }
  std::vector<std::pair<std::string, int64_t>> seen;
  ASSERT_TRUE(store_
                  ->ScanAll([&](const StoredEvent& e) {
                    seen.emplace_back(e.meeting_id, e.seq);
                    return true;
                  })
                  .ok());
  std::vector<std::pair<std::string, int64_t>> want = {{"alpha", 1}, {"alpha", 2}, {"alpha", 3}, {"alpha", 4},
                                                       {"zeta", 1},  {"zeta", 2},  {"zeta", 3},  {"zeta", 4}};
  EXPECT_EQ(seen, want);
  std::vector<MeetingRecord> meetings;
  ASSERT_TRUE(store_->ListMeetings(&meetings).ok());
  EXPECT_EQ(meetings.size(), 2u);
}

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

TEST_F(SqliteStoreTest, AppendAfterCloseIsUnavailableButReadsWork) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  store_->Close();
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(2, "late")})).code(), Status::Code::kUnavailable);
  EXPECT_EQ(Head("m1"), 1);
  store_->Flush();  // returns: nothing is pending
}

TEST_F(SqliteStoreTest, DescribeNamesTheFile) {
  EXPECT_EQ(store_->Describe(), "sqlite:" + db_path_);
}

}  // namespace
}  // namespace confab::store
