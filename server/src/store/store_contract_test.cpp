// The Store contract (store/store.hpp), run against every implementation: what a room, a joining
// client and the CLI may rely on whichever database holds the log.
//
// The PostgreSQL instances need CONFAB_TEST_PG_URL (pg_test_support.hpp) and skip without it.
//
// To make batching deterministic without sleeps, a test "holds the writer": the callback of a first
// append blocks the writer thread until the test has queued what it wants in the next batch.
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "store/pg_store.hpp"
#include "store/pg_test_support.hpp"
#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::PutSnapshotAndWait;

constexpr int64_t kAny = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// The id CreateRequest gives a meeting's first event.
std::string FirstId(const std::string& meeting) {
  return "ev-" + meeting + "-1";
}

AppendRequest Next(const std::string& meeting, std::vector<StoredEvent> events, std::string prev_id) {
  AppendRequest req;
  req.meeting_id = meeting;
  req.events = std::move(events);
  req.prev_id = std::move(prev_id);
  return req;
}

// One event at `seq` with id `id`, after the event `prev_id`.
AppendRequest One(const std::string& meeting, int64_t seq, const std::string& id, std::string prev_id) {
  return Next(meeting, {MakeEvent(seq, id)}, std::move(prev_id));
}

class StoreContractTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (pg()) {
      if (testing::PgServerUrl().empty()) {
        GTEST_SKIP() << testing::kNoPgServer;
      }
      schema_ = std::make_unique<testing::PgTestSchema>();
      ASSERT_EQ(schema_->error(), "");
    }
    Reopen();
  }
  bool pg() const { return GetParam() == "postgres"; }
  std::string Url() const { return pg() ? schema_->url() : "sqlite:" + dir_.File("confab.db"); }
  void Reopen() {
    store_.reset();
    Status s = OpenStore(Url(), &store_);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  void Close() {
    if (pg()) {
      static_cast<PgStore&>(*store_).Close();
    } else {
      static_cast<SqliteStore&>(*store_).Close();
    }
  }
  int64_t Head(const std::string& meeting) {
    int64_t head = -1;
    Status s = store_->HeadSeq(meeting, &head);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return head;
  }
  std::vector<int64_t> Seqs(const std::string& meeting, int64_t after, size_t limit, bool replayed_only) {
    std::vector<StoredEvent> got;
    EXPECT_TRUE(store_->ReadEvents(meeting, after, limit, replayed_only, &got).ok());
    std::vector<int64_t> out;
    for (const auto& e : got) out.push_back(e.seq);
    return out;
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
  // Seqs 1..n of a new meeting; event k has id meeting + k (the first: FirstId).
  void Fill(const std::string& meeting, int64_t n) {
    ASSERT_TRUE(AppendAndWait(*store_, CreateRequest(meeting)).ok());
    AppendRequest req = Next(meeting, {}, FirstId(meeting));
    for (int64_t seq = 2; seq <= n; ++seq)
      req.events.push_back(MakeEvent(seq, meeting + std::to_string(seq)));
    if (n > 1) {
      ASSERT_TRUE(AppendAndWait(*store_, std::move(req)).ok());
    }
  }
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
  // Queues `req`; its outcome arrives in the returned future.
  std::future<Status> Queue(AppendRequest req) {
    auto p = std::make_shared<std::promise<Status>>();
    auto f = p->get_future();
    store_->Append(std::move(req), [p](Status s) { p->set_value(std::move(s)); });
    return f;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::PgTestSchema> schema_;  // outlives store_
  std::unique_ptr<Store> store_;
  int gates_ = 0;
  std::promise<void> release_promise_;
  std::shared_future<void> release_ = release_promise_.get_future().share();
};

// ---- Appends and reads ----

TEST_P(StoreContractTest, AppendedEventsReadBackExactly) {
  AppendRequest create = CreateRequest("m1", 1234);
  create.events.push_back(MakeEvent(2, "e2", "participant_joined"));
  // Text that must survive byte for byte: quotes, backslashes, braces, non-ASCII, "NULL".
  create.events.back().json = R"({"data":{"t":"naïve \"q\" \\ {a,b} NULL 🎉\n"}})";
  ASSERT_TRUE(AppendAndWait(*store_, create).ok());
  ASSERT_TRUE(
      AppendAndWait(*store_, Next("m1", {MakeEvent(3, "e3", "reaction", false, "p_bob")}, "e2")).ok());

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
  EXPECT_EQ(m.id, "m1");
  EXPECT_EQ(m.facilitator_token_hash, create.create->facilitator_token_hash);
  EXPECT_EQ(m.created_ts, 1234);
  int64_t seq = 0;
  ASSERT_TRUE(store_->FindEventSeq("m1", "e3", &seq).ok());
  EXPECT_EQ(seq, 3);
  EXPECT_EQ(store_->FindEventSeq("m1", "nope", &seq).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->FindEventSeq("m2", "e3", &seq).code(), Status::Code::kNotFound);
}

TEST_P(StoreContractTest, UnknownMeetingIsNotFoundEverywhere) {
  MeetingRecord m;
  int64_t head = 0;
  EXPECT_EQ(store_->GetMeeting("nope", &m).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->HeadSeq("nope", &head).code(), Status::Code::kNotFound);
  EXPECT_EQ(AppendAndWait(*store_, One("nope", 1, "a", "")).code(), Status::Code::kNotFound);
  EXPECT_EQ(AppendAndWait(*store_, One("nope", 5, "b", "x")).code(), Status::Code::kNotFound);
  std::vector<MeetingRecord> all;
  ASSERT_TRUE(store_->ListMeetings(&all).ok());
  EXPECT_TRUE(all.empty());
}

TEST_P(StoreContractTest, MeetingWithoutEventsHasHeadZero) {
  AppendRequest req;
  req.meeting_id = "empty";
  req.create = MeetingRecord{"empty", "h", 1};
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());
  EXPECT_EQ(Head("empty"), 0);
  EXPECT_TRUE(AppendAndWait(*store_, One("empty", 1, "first", "")).ok());
  EXPECT_EQ(Head("empty"), 1);
}

TEST_P(StoreContractTest, CreatingAnExistingMeetingConflictsAndKeepsTheOriginal) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1", 1)).ok());
  AppendRequest again = CreateRequest("m1", 2);
  again.events[0] = MakeEvent(1, "other-id", "meeting_created");
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kConflict);
  // Without events the create itself collides.
  AppendRequest bare;
  bare.meeting_id = "m1";
  bare.create = MeetingRecord{"m1", "h", 3};
  EXPECT_EQ(AppendAndWait(*store_, bare).code(), Status::Code::kConflict);
  MeetingRecord m;
  ASSERT_TRUE(store_->GetMeeting("m1", &m).ok());
  EXPECT_EQ(m.created_ts, 1);
}

TEST_P(StoreContractTest, TakenSeqConflictsAndWritesNothing) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, One("m1", 2, "a", FirstId("m1"))).ok());
  Status s = AppendAndWait(*store_, Next("m1", {MakeEvent(2, "b"), MakeEvent(3, "c")}, FirstId("m1")));
  EXPECT_EQ(s.code(), Status::Code::kConflict) << s.ToString();
  EXPECT_EQ(Head("m1"), 2);
  int64_t seq = 0;
  EXPECT_EQ(store_->FindEventSeq("m1", "b", &seq).code(), Status::Code::kNotFound);
  EXPECT_EQ(store_->FindEventSeq("m1", "c", &seq).code(), Status::Code::kNotFound);
}

TEST_P(StoreContractTest, SeqMustFollowTheStoredHead) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  EXPECT_EQ(AppendAndWait(*store_, One("m1", 3, "gap", "whatever")).code(), Status::Code::kConflict);
  EXPECT_EQ(AppendAndWait(*store_, One("m1", 0, "zero", "")).code(), Status::Code::kConflict);
  // A gap inside one request is a caller bug, not a race.
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(2, "x"), MakeEvent(4, "y")}, FirstId("m1"))).code(),
            Status::Code::kInvalid);
  EXPECT_EQ(Head("m1"), 1);
}

// Several writers (nodes) share a PostgreSQL log: a free slot is not enough, the request must also
// continue the log its sender saw. A single-writer store may ignore prev_id (store.hpp).
TEST_P(StoreContractTest, AnAppendMustContinueTheEventItNamesAsPrevious) {
  if (!pg()) GTEST_SKIP() << "SQLite has a single writer: its head check is the chain check";
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  EXPECT_EQ(AppendAndWait(*store_, One("m", 2, "a", "not-the-first")).code(), Status::Code::kConflict);
  EXPECT_EQ(AppendAndWait(*store_, One("m", 2, "a", "")).code(), Status::Code::kConflict);
  ASSERT_TRUE(AppendAndWait(*store_, One("m", 2, "a", FirstId("m"))).ok());

  // Within one batch: a request chained on one that failed fails too; one chained on a stored
  // event lands, even right after a failure.
  HoldWriter();
  auto b = Queue(One("m", 3, "b", "a"));
  auto lost = Queue(One("m", 4, "lost", "elsewhere"));  // built on an event that is not stored
  auto after_lost = Queue(One("m", 5, "after-lost", "lost"));
  auto c = Queue(One("m", 4, "c", "b"));
  Release();
  EXPECT_TRUE(b.get().ok());
  EXPECT_EQ(lost.get().code(), Status::Code::kConflict);
  EXPECT_EQ(after_lost.get().code(), Status::Code::kConflict);
  EXPECT_TRUE(c.get().ok());
  EXPECT_EQ(Head("m"), 4);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store_->ReadEvents("m", 0, 0, false, &events).ok());
  std::vector<std::string> ids;
  for (const auto& e : events) ids.push_back(e.id);
  EXPECT_EQ(ids, (std::vector<std::string>{FirstId("m"), "a", "b", "c"}));
}

TEST_P(StoreContractTest, DuplicateEventIdIsRejectedAndNothingOfTheRequestIsWritten) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, One("m1", 2, "once", FirstId("m1"))).ok());
  AppendRequest retry = Next("m1", {MakeEvent(3, "fresh"), MakeEvent(4, "once")}, "once");
  retry.credentials.push_back(Credential{"m1", "p_new", "hash"});
  Status s = AppendAndWait(*store_, retry);
  EXPECT_EQ(s.code(), Status::Code::kDuplicate) << s.ToString();
  EXPECT_EQ(Head("m1"), 2);
  int64_t seq = 0;
  EXPECT_EQ(store_->FindEventSeq("m1", "fresh", &seq).code(), Status::Code::kNotFound);
  Credential c;
  EXPECT_EQ(store_->GetCredential("m1", "p_new", &c).code(), Status::Code::kNotFound);
  // The same id twice in one request.
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {MakeEvent(3, "twice"), MakeEvent(4, "twice")}, "once")).code(),
            Status::Code::kDuplicate);
  // The same id in another meeting is a different event.
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m2")).ok());
  EXPECT_TRUE(AppendAndWait(*store_, One("m2", 2, "once", FirstId("m2"))).ok());
}

TEST_P(StoreContractTest, MismatchedMeetingIdsAreInvalid) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  StoredEvent e = MakeEvent(2, "x");
  e.meeting_id = "m2";
  EXPECT_EQ(AppendAndWait(*store_, Next("m1", {e}, FirstId("m1"))).code(), Status::Code::kInvalid);
  AppendRequest create = CreateRequest("m3");
  create.create->id = "m4";
  EXPECT_EQ(AppendAndWait(*store_, create).code(), Status::Code::kInvalid);
  EXPECT_EQ(AppendAndWait(*store_, One("", 1, "x", "")).code(), Status::Code::kInvalid);
  AppendRequest cred = One("m1", 2, "y", FirstId("m1"));
  cred.credentials.push_back(Credential{"m9", "p", "h"});
  EXPECT_EQ(AppendAndWait(*store_, cred).code(), Status::Code::kInvalid);
  EXPECT_EQ(Head("m1"), 1);
}

TEST_P(StoreContractTest, CredentialsAreStoredWithTheirAppend) {
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

  AppendRequest again = One("m1", 2, "x", FirstId("m1"));
  again.credentials.push_back(Credential{"m1", "p_ada", "other"});
  EXPECT_EQ(AppendAndWait(*store_, again).code(), Status::Code::kConflict);
  ASSERT_TRUE(store_->GetCredential("m1", "p_ada", &c).ok());
  EXPECT_EQ(c.secret_hash, "hash-ada");
  EXPECT_EQ(Head("m1"), 1);

  // A request whose events cannot land stores none of its credentials either.
  AppendRequest stale = One("m1", 1, "y", "");
  stale.credentials.push_back(Credential{"m1", "p_eve", "hash-eve"});
  EXPECT_EQ(AppendAndWait(*store_, stale).code(), Status::Code::kConflict);
  EXPECT_EQ(store_->GetCredential("m1", "p_eve", &c).code(), Status::Code::kNotFound);
}

TEST_P(StoreContractTest, ReopeningKeepsEverything) {
  AppendRequest create = CreateRequest("m1", 77);
  create.credentials.push_back(Credential{"m1", "p_ada", "hash-ada"});
  ASSERT_TRUE(AppendAndWait(*store_, create).ok());
  std::string prev = FirstId("m1");
  for (int64_t seq = 2; seq <= 20; ++seq) {
    const std::string id = "e" + std::to_string(seq);
    store_->Append(Next("m1", {MakeEvent(seq, id, "card_added", seq % 5 != 0)}, prev), nullptr);
    prev = id;
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
  EXPECT_TRUE(AppendAndWait(*store_, One("m1", 21, "e21", "e20")).ok());
  EXPECT_EQ(AppendAndWait(*store_, One("m1", 21, "again", "e20")).code(), Status::Code::kConflict);
}

TEST_P(StoreContractTest, ReadEventsPagesAndSkipsMoments) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  AppendRequest req = Next("m1", {}, FirstId("m1"));
  for (int64_t seq = 2; seq <= 10; ++seq) {
    req.events.push_back(MakeEvent(seq, "e" + std::to_string(seq), "x", seq % 3 != 0));  // 3, 6, 9: moments
  }
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());

  EXPECT_EQ(Seqs("m1", 0, 4, false), (std::vector<int64_t>{1, 2, 3, 4}));
  EXPECT_EQ(Seqs("m1", 4, 4, false), (std::vector<int64_t>{5, 6, 7, 8}));
  EXPECT_EQ(Seqs("m1", 8, 4, false), (std::vector<int64_t>{9, 10}));
  EXPECT_EQ(Seqs("m1", 10, 4, false), (std::vector<int64_t>{}));
  EXPECT_EQ(Seqs("m1", 0, 0, true), (std::vector<int64_t>{1, 2, 4, 5, 7, 8, 10}));
  EXPECT_EQ(Seqs("m1", 2, 3, true), (std::vector<int64_t>{4, 5, 7}));
  EXPECT_EQ(Seqs("m1", -5, 2, false), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Seqs("other", 0, 0, false), (std::vector<int64_t>{}));
}

// Longer than a PostgreSQL read page (PgStore::kPageRows): reads and scans cross page boundaries.
TEST_P(StoreContractTest, LongLogsReadWholeAcrossPages) {
  constexpr int64_t kEvents = 2 * PgStore::kPageRows + 7;
  Fill("big", kEvents);
  Fill("aa", 3);
  Fill("zz", 3);
  EXPECT_EQ(Seqs("big", 0, 0, false).size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(Seqs("big", 0, PgStore::kPageRows + 1, false).size(),
            static_cast<size_t>(PgStore::kPageRows + 1));
  EXPECT_EQ(Seqs("big", 0, 0, true).size(), static_cast<size_t>(kEvents));
  int64_t expected = 1;
  ASSERT_TRUE(store_
                  ->ScanEvents("big", 0,
                               [&](const StoredEvent& e) {
                                 EXPECT_EQ(e.seq, expected++);
                                 return true;
                               })
                  .ok());
  EXPECT_EQ(expected, kEvents + 1);
  std::vector<std::pair<std::string, int64_t>> seen;
  ASSERT_TRUE(store_
                  ->ScanAll([&](const StoredEvent& e) {
                    seen.emplace_back(e.meeting_id, e.seq);
                    return true;
                  })
                  .ok());
  ASSERT_EQ(seen.size(), static_cast<size_t>(kEvents + 6));
  EXPECT_EQ(seen.front(), std::make_pair(std::string("aa"), int64_t{1}));
  EXPECT_EQ(seen[3], std::make_pair(std::string("big"), int64_t{1}));
  EXPECT_EQ(seen[3 + kEvents - 1], std::make_pair(std::string("big"), kEvents));
  EXPECT_EQ(seen.back(), std::make_pair(std::string("zz"), int64_t{3}));
}

TEST_P(StoreContractTest, ScanEventsStopsWhenAsked) {
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
  int calls = 0;
  ASSERT_TRUE(store_->ScanAll([&](const StoredEvent&) { return ++calls < 2; }).ok());
  EXPECT_EQ(calls, 2);
  // The store is still usable after a scan that stopped early.
  EXPECT_EQ(Head("m1"), 6);
}

TEST_P(StoreContractTest, ScanAllGoesMeetingByMeetingInSeqOrder) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("zeta")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("alpha")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("Zulu")).ok());  // byte order: upper case first
  for (int64_t seq = 2; seq <= 4; ++seq) {                          // interleaved writes
    const std::string z = "z" + std::to_string(seq), a = "a" + std::to_string(seq);
    ASSERT_TRUE(AppendAndWait(*store_,
                              One("zeta", seq, z, seq == 2 ? FirstId("zeta") : "z" + std::to_string(seq - 1)))
                    .ok());
    ASSERT_TRUE(AppendAndWait(*store_, One("alpha", seq, a,
                                           seq == 2 ? FirstId("alpha") : "a" + std::to_string(seq - 1)))
                    .ok());
  }
  std::vector<std::pair<std::string, int64_t>> seen;
  ASSERT_TRUE(store_
                  ->ScanAll([&](const StoredEvent& e) {
                    seen.emplace_back(e.meeting_id, e.seq);
                    return true;
                  })
                  .ok());
  std::vector<std::pair<std::string, int64_t>> want = {{"Zulu", 1},  {"alpha", 1}, {"alpha", 2},
                                                       {"alpha", 3}, {"alpha", 4}, {"zeta", 1},
                                                       {"zeta", 2},  {"zeta", 3},  {"zeta", 4}};
  EXPECT_EQ(seen, want);
  std::vector<MeetingRecord> meetings;
  ASSERT_TRUE(store_->ListMeetings(&meetings).ok());
  EXPECT_EQ(meetings.size(), 3u);
}

TEST_P(StoreContractTest, ListMeetingsIsOrderedByCreationThenId) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("b", 20)).ok());
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("c", 10)).ok());
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("a", 20)).ok());
  std::vector<MeetingRecord> meetings;
  ASSERT_TRUE(store_->ListMeetings(&meetings).ok());
  std::vector<std::string> ids;
  for (const auto& m : meetings) ids.push_back(m.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c", "a", "b"}));
}

TEST_P(StoreContractTest, AppendAfterCloseIsUnavailableButReadsWork) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m1")).ok());
  Close();
  EXPECT_EQ(AppendAndWait(*store_, One("m1", 2, "late", FirstId("m1"))).code(), Status::Code::kUnavailable);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snapshot{"m1", 1, 0, "{}"}).code(), Status::Code::kUnavailable);
  EXPECT_EQ(store_->WriterHealth().code(), Status::Code::kUnavailable);
  EXPECT_EQ(Head("m1"), 1);
  store_->Flush();  // returns: nothing is pending
}

// ---- Group commit ----

TEST_P(StoreContractTest, ConcurrentAppendsShareCommits) {
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
      std::string prev = FirstId(meeting);
      for (int64_t seq = 2; seq < 2 + kPerRoom; ++seq) {
        const std::string id = meeting + "-" + std::to_string(seq);
        store_->Append(One(meeting, seq, id, prev), [&](Status s) { (s.ok() ? ok : failed).fetch_add(1); });
        prev = id;
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
  EXPECT_LE(commits, 2u);  // the gate's batch, then everything queued behind it
  EXPECT_GE(after.max_batch_events, static_cast<uint64_t>(kRooms * kPerRoom));
  for (int r = 0; r < kRooms; ++r) {
    std::vector<StoredEvent> events;
    ASSERT_TRUE(store_->ReadEvents("room" + std::to_string(r), 0, 0, false, &events).ok());
    ASSERT_EQ(events.size(), static_cast<size_t>(kPerRoom + 1));
    for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
  }
}

TEST_P(StoreContractTest, OneBadRequestFailsAloneInItsBatch) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("other")).ok());
  const StoreStats before = store_->Stats();
  HoldWriter();

  std::vector<std::future<Status>> results;
  results.push_back(Queue(One("m", 2, "good-1", FirstId("m"))));
  results.push_back(Queue(One("m", 2, "taken-seq", FirstId("m"))));  // seq 2 was just taken by good-1
  results.push_back(Queue(One("m", 5, "gap", "nothing")));
  results.push_back(Queue(One("m", 3, "good-1", "good-1")));  // duplicate id
  results.push_back(Queue(One("missing", 1, "x", "")));
  results.push_back(Queue(One("other", 2, "o2", FirstId("other"))));
  AppendRequest bad_cred = One("other", 3, "o3", "o2");
  bad_cred.credentials = {Credential{"other", "p", "h1"}, Credential{"other", "p", "h2"}};  // pid twice
  results.push_back(Queue(std::move(bad_cred)));
  results.push_back(Queue(One("m", 3, "good-2", "good-1")));
  results.push_back(Queue(One("other", 3, "o3-again", "o2")));
  Release();

  std::vector<Status::Code> codes;
  for (auto& f : results) codes.push_back(f.get().code());
  EXPECT_EQ(codes,
            (std::vector<Status::Code>{Status::Code::kOk, Status::Code::kConflict, Status::Code::kConflict,
                                       Status::Code::kDuplicate, Status::Code::kNotFound, Status::Code::kOk,
                                       Status::Code::kConflict, Status::Code::kOk, Status::Code::kOk}));
  const StoreStats after = store_->Stats();
  EXPECT_EQ(after.commits - before.commits, 2u);  // the gate's, and one for all of them
  EXPECT_EQ(after.failed_appends - before.failed_appends, 5u);
  std::vector<StoredEvent> events;
  ASSERT_TRUE(store_->ReadEvents("m", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[1].id, "good-1");
  EXPECT_EQ(events[2].id, "good-2");
  ASSERT_TRUE(store_->ReadEvents("other", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[2].id, "o3-again");
  Credential c;
  EXPECT_EQ(store_->GetCredential("other", "p", &c).code(), Status::Code::kNotFound);
}

TEST_P(StoreContractTest, FlushWaitsForEverythingQueuedBeforeIt) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  store_->Flush();  // nothing pending: returns at once
  HoldWriter();
  std::atomic<int> completed{0};
  std::string prev = FirstId("m");
  for (int64_t seq = 2; seq <= 101; ++seq) {
    const std::string id = "e" + std::to_string(seq);
    store_->Append(One("m", seq, id, prev), [&](Status s) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      completed.fetch_add(1);
    });
    prev = id;
  }
  std::thread releaser([&] { Release(); });
  store_->Flush();
  EXPECT_EQ(completed.load(), 100);
  releaser.join();
  EXPECT_EQ(Head("m"), 101);
}

TEST_P(StoreContractTest, CallbacksRunInQueueOrder) {
  for (const char* m : {"b", "a", "c"}) ASSERT_TRUE(AppendAndWait(*store_, CreateRequest(m)).ok());
  HoldWriter();
  std::vector<int> order;  // written on the writer thread only
  std::map<std::string, std::string> prev = {{"a", FirstId("a")}, {"b", FirstId("b")}, {"c", FirstId("c")}};
  std::map<std::string, int64_t> head = {{"a", 1}, {"b", 1}, {"c", 1}};
  for (int i = 0; i < 30; ++i) {
    const std::string m = i % 3 == 0 ? "c" : i % 3 == 1 ? "a" : "b";
    const std::string id = m + std::to_string(i);
    // Every fourth one fails (a stale seq) and must still be answered in its place.
    const bool stale = i % 4 == 3;
    store_->Append(One(m, stale ? 1 : ++head[m], id, stale ? "" : prev[m]),
                   [&order, i](Status) { order.push_back(i); });
    if (!stale) prev[m] = id;
  }
  Release();
  store_->Flush();
  std::vector<int> want(30);
  for (int i = 0; i < 30; ++i) want[i] = i;
  EXPECT_EQ(order, want);
}

TEST_P(StoreContractTest, CloseRunsEveryQueuedCallback) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  HoldWriter();
  std::atomic<int> ok{0};
  std::string prev = FirstId("m");
  for (int64_t seq = 2; seq <= 51; ++seq) {
    const std::string id = "e" + std::to_string(seq);
    store_->Append(One("m", seq, id, prev), [&](Status s) {
      if (s.ok()) ok.fetch_add(1);
    });
    prev = id;
  }
  std::thread releaser([&] { Release(); });
  store_.reset();  // drains, then joins the writer
  releaser.join();
  EXPECT_EQ(ok.load(), 50);
  Reopen();
  EXPECT_EQ(Head("m"), 51);
}

TEST_P(StoreContractTest, ACallbackThatThrowsDoesNotStopTheWriter) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  store_->Append(One("m", 2, "a", FirstId("m")), [](Status) { throw std::runtime_error("room bug"); });
  EXPECT_TRUE(AppendAndWait(*store_, One("m", 3, "b", "a")).ok());
}

TEST_P(StoreContractTest, StatsCountEventsAndCommitTime) {
  AppendRequest req = CreateRequest("m");
  req.events.push_back(MakeEvent(2, "two"));
  ASSERT_TRUE(AppendAndWait(*store_, req).ok());
  EXPECT_EQ(AppendAndWait(*store_, One("m", 2, "dup-seq", FirstId("m"))).code(), Status::Code::kConflict);
  StoreStats s = store_->Stats();
  EXPECT_EQ(s.appends, 1u);
  EXPECT_EQ(s.events, 2u);
  EXPECT_EQ(s.failed_appends, 1u);
  EXPECT_EQ(s.commits, 2u);  // a batch whose only request failed still commits (an empty transaction)
  EXPECT_GT(s.commit_micros, 0u);
  EXPECT_EQ(s.max_batch_events, 2u);
  EXPECT_TRUE(store_->WriterHealth().ok());
}

// ---- Snapshots ----

Snapshot Snap(const std::string& meeting, int64_t seq, int64_t last_ts) {
  return Snapshot{meeting, seq, last_ts, "{\"seq\":" + std::to_string(seq) + "}"};
}

TEST_P(StoreContractTest, SnapshotRoundTripsExactlyAndSurvivesReopen) {
  Fill("m", 50);
  Snapshot in{"m", 42, 1732770000042, R"({"cards":[{"text":"naïve \"quoted\"\n"}],"phase":"vote"})"};
  ASSERT_TRUE(PutSnapshotAndWait(*store_, in).ok());
  Reopen();
  Snapshot out;
  ASSERT_TRUE(store_->LatestSnapshot("m", kAny, kAny, &out).ok());
  EXPECT_EQ(out.meeting_id, in.meeting_id);
  EXPECT_EQ(out.seq, in.seq);
  EXPECT_EQ(out.last_ts, in.last_ts);
  EXPECT_EQ(out.state_json, in.state_json);
}

TEST_P(StoreContractTest, LatestSnapshotIsChosenBySeqAndByTimeInclusively) {
  Fill("m", 400);
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

TEST_P(StoreContractTest, ASnapshotAtTheSameSeqReplacesTheOldOne) {
  Fill("m", 100);
  ASSERT_TRUE(PutSnapshotAndWait(*store_, Snapshot{"m", 100, 1000, "{\"v\":1}"}).ok());
  ASSERT_TRUE(PutSnapshotAndWait(*store_, Snapshot{"m", 100, 1000, "{\"v\":2}"}).ok());
  Snapshot out;
  ASSERT_TRUE(store_->LatestSnapshot("m", kAny, kAny, &out).ok());
  EXPECT_EQ(out.state_json, "{\"v\":2}");
}

TEST_P(StoreContractTest, ASnapshotMayNotRunAheadOfTheLog) {
  Fill("m", 400);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("m", 401, 1)).code(), Status::Code::kInvalid);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("nobody", 1, 1)).code(), Status::Code::kNotFound);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("", 1, 1)).code(), Status::Code::kInvalid);
  EXPECT_EQ(PutSnapshotAndWait(*store_, Snap("m", 0, 1)).code(), Status::Code::kInvalid);
  EXPECT_EQ(Latest("m", kAny, kAny), 0);
  EXPECT_TRUE(store_->WriterHealth().ok());
}

// A room queues its snapshot right behind the append it folds: both land in one transaction, and a
// snapshot behind an append that failed fails too (it would describe events that are not stored).
TEST_P(StoreContractTest, SnapshotsAreGroupCommittedWithTheAppendsBeforeThem) {
  Fill("m", 400);
  HoldWriter();
  const StoreStats before = store_->Stats();
  auto a1 = Queue(One("m", 401, "m401", "m400"));
  std::promise<Status> s1, s2;
  store_->PutSnapshot(Snap("m", 401, 4010), [&](Status s) { s1.set_value(s); });
  auto a2 = Queue(One("m", 401, "again", "m400"));  // seq taken: Conflict
  store_->PutSnapshot(Snap("m", 402, 4020), [&](Status s) { s2.set_value(s); });
  Release();
  store_->Flush();

  EXPECT_TRUE(a1.get().ok());
  EXPECT_TRUE(s1.get_future().get().ok());
  EXPECT_EQ(a2.get().code(), Status::Code::kConflict);
  EXPECT_EQ(s2.get_future().get().code(), Status::Code::kInvalid);
  EXPECT_EQ(store_->Stats().commits - before.commits, 1u);
  EXPECT_EQ(Latest("m", kAny, kAny), 401);
}

// ---- Feature usage ----

using Usage = std::map<std::tuple<std::string, int64_t, std::string>, int64_t>;

Usage ScanUsage(Store& store, int64_t from_day = kMin, int64_t to_day = kAny) {
  Usage out;
  Status s = store.ScanFeatureUsage(from_day, to_day, [&](const FeatureUsage& u) {
    EXPECT_TRUE(out.emplace(std::make_tuple(u.type, u.day, u.meeting_id), u.events).second) << "repeated row";
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

// The log recounted in C++, from the events as stored.
Usage Recount(Store& store) {
  Usage out;
  EXPECT_TRUE(store
                  .ScanAll([&](const StoredEvent& e) {
                    ++out[{e.type, UsageDay(e.ts), e.meeting_id}];
                    return true;
                  })
                  .ok());
  return out;
}

// Random traffic across meetings and days, pipelined so batches mix meetings, with imports (one
// append of many events) and requests that fail in the middle of a batch (their events must not count).
TEST_P(StoreContractTest, TheWritersUsageCountsEqualARecountAfterRandomAppends) {
  const char* types[] = {"card_added", "vote_cast", "reaction", "timer_started", "card_moved"};
  constexpr int kMeetings = 6;
  std::mt19937_64 rng(42);
  std::vector<int64_t> heads(kMeetings, 1);
  std::vector<std::string> prev(kMeetings);
  std::vector<int64_t> clock(kMeetings);
  for (int m = 0; m < kMeetings; ++m) {
    const std::string mid = "m" + std::to_string(m);
    AppendRequest create = CreateRequest(mid);
    clock[m] = 20054 * kMsPerDay + m * 3600000;
    create.events[0].ts = clock[m];
    ASSERT_TRUE(AppendAndWait(*store_, std::move(create)).ok());
    prev[m] = FirstId(mid);
  }
  std::atomic<int> failed{0}, conflicts{0};
  for (int i = 0; i < 400; ++i) {
    const int m = static_cast<int>(rng() % kMeetings);
    const std::string mid = "m" + std::to_string(m);
    AppendRequest req = Next(mid, {}, prev[m]);
    const int n = rng() % 10 == 0 ? 50 + static_cast<int>(rng() % 200) : 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) {
      const int64_t seq = ++heads[m];
      StoredEvent e = MakeEvent(seq, mid + "-" + std::to_string(seq), types[rng() % 5]);
      clock[m] += static_cast<int64_t>(rng() % (kMsPerDay / 10));  // crosses a midnight now and then
      e.ts = clock[m];
      req.events.push_back(std::move(e));
    }
    const std::string last = req.events.back().id;
    store_->Append(std::move(req), [&](Status s) {
      if (!s.ok()) failed.fetch_add(1);
    });
    if (rng() % 8 == 0) {
      // A retry of a taken seq, queued behind the append that took it: Conflict, nothing counted.
      AppendRequest stale = One(mid, heads[m], "stale-" + std::to_string(i), prev[m]);
      stale.events[0].type = "vote_cast";
      store_->Append(std::move(stale), [&](Status s) {
        if (s.code() == Status::Code::kConflict) conflicts.fetch_add(1);
      });
    }
    prev[m] = last;
    if (rng() % 50 == 0) {
      // A create that fails after writing (the meeting exists): nothing of it counts.
      AppendRequest again = CreateRequest(mid);
      again.events[0].seq = heads[m] + 1;
      store_->Append(std::move(again), [](Status) {});
    }
  }
  store_->Flush();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(conflicts.load(), 0);

  const Usage usage = ScanUsage(*store_);
  EXPECT_EQ(usage, Recount(*store_));
  int64_t total = 0, days = 0;
  for (const auto& [key, n] : usage) total += n;
  for (int64_t d = 20054; d < 20064; ++d) days += ScanUsage(*store_, d, d + 1).empty() ? 0 : 1;
  EXPECT_EQ(static_cast<uint64_t>(total), store_->Stats().events);
  EXPECT_GT(days, 2);  // the traffic did span midnights

  // Reopening (a new writer) keeps counting from where the log is.
  Reopen();
  AppendRequest more = One("m0", heads[0] + 1, "after-reopen", prev[0]);
  more.events.back().ts = clock[0];
  ASSERT_TRUE(AppendAndWait(*store_, std::move(more)).ok());
  EXPECT_EQ(ScanUsage(*store_), Recount(*store_));
}

TEST_P(StoreContractTest, UsageScanKeepsToTheDayRangeInKeyOrderAndStopsWhenAsked) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  AppendRequest req = Next("m", {}, FirstId("m"));
  int64_t seq = 1;
  for (int64_t day : {10, 11, 12, 13}) {
    for (const char* type : {"b_type", "a_type"}) {
      ++seq;
      StoredEvent e = MakeEvent(seq, "e" + std::to_string(seq), type);
      e.ts = day * kMsPerDay + 5;
      req.events.push_back(std::move(e));
    }
  }
  ASSERT_TRUE(AppendAndWait(*store_, std::move(req)).ok());

  std::vector<std::pair<std::string, int64_t>> rows;
  ASSERT_TRUE(store_
                  ->ScanFeatureUsage(11, 13,
                                     [&](const FeatureUsage& u) {
                                       EXPECT_EQ(u.meeting_id, "m");
                                       EXPECT_EQ(u.events, 1);
                                       rows.emplace_back(u.type, u.day);
                                       return true;
                                     })
                  .ok());
  EXPECT_EQ(rows, (std::vector<std::pair<std::string, int64_t>>{
                      {"a_type", 11}, {"a_type", 12}, {"b_type", 11}, {"b_type", 12}}));
  int seen = 0;
  ASSERT_TRUE(store_->ScanFeatureUsage(kMin, kAny, [&](const FeatureUsage&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_TRUE(ScanUsage(*store_, 14, 100).empty());
  EXPECT_TRUE(ScanUsage(*store_, 12, 12).empty());
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace confab::store
