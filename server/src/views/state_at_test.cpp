#include "views/state_at.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "domain/meeting.hpp"
#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"
#include "views/snapshot_policy.hpp"
#include "views/state_at_testing.hpp"
#include "views/time_text.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using nlohmann::json;
using store::StoredEvent;

// The plain answer: fold events 1..seq of `events` and take the canonical state, for every seq
// asked at once (one pass).
std::map<int64_t, json> PlainFolds(const std::vector<StoredEvent>& events, const std::set<int64_t>& seqs) {
  std::map<int64_t, json> out;
  domain::Meeting m;
  if (seqs.count(0)) out[0] = domain::ToJson(m);
  for (const StoredEvent& e : events) {
    domain::Apply(m, json::parse(e.json));
    if (seqs.count(e.seq)) out[e.seq] = domain::ToJson(m);
  }
  return out;
}

// The seq a time query must answer: the last event with ts <= at (0 when none).
int64_t SeqAtTime(const std::vector<StoredEvent>& events, int64_t at) {
  auto it = std::upper_bound(events.begin(), events.end(), at,
                             [](int64_t t, const StoredEvent& e) { return t < e.ts; });
  return it == events.begin() ? 0 : std::prev(it)->seq;
}

// One 10,000-event meeting with its snapshots built, in a real SQLite file and in memory (which
// counts what it reads), shared by the tests of this suite.
class StateAtTest : public ::testing::Test {
 protected:
  static constexpr size_t kEvents = 10'000;
  static inline const std::string kId = "m_long";

  static void SetUpTestSuite() {
    dir_ = new store::testing::TempDir();
    std::unique_ptr<store::SqliteStore> s;
    ASSERT_TRUE(store::SqliteStore::Open(dir_->File("confab.db"), &s).ok());
    sqlite_ = s.release();
    memory_ = new testing::MemoryStore();
    events_ = new std::vector<StoredEvent>(testing::GenerateMeeting(kId, kEvents, /*seed=*/7));
    for (store::Store* st : Stores()) {
      ASSERT_TRUE(testing::StoreMeeting(*st, kId, *events_).ok());
      int64_t written = 0;
      ASSERT_TRUE(BuildSnapshots(*st, kId, &written).ok());
      EXPECT_EQ(written, static_cast<int64_t>(kEvents) / kSnapshotEvery);
    }
  }
  static void TearDownTestSuite() {
    delete sqlite_;
    delete memory_;
    delete events_;
    delete dir_;
  }

  static std::vector<store::Store*> Stores() { return {memory_, sqlite_}; }

  static std::vector<int64_t> RandomSeqs(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<int64_t> out = {0, 1, 2, 999, 1000, 1001, 5000, kEvents - 1, kEvents};
    for (size_t i = 0; i < n; ++i) out.push_back(std::uniform_int_distribution<int64_t>(0, kEvents)(rng));
    std::shuffle(out.begin(), out.end(), rng);
    return out;
  }

  static inline store::testing::TempDir* dir_ = nullptr;
  static inline store::SqliteStore* sqlite_ = nullptr;
  static inline testing::MemoryStore* memory_ = nullptr;
  static inline std::vector<StoredEvent>* events_ = nullptr;
};

TEST_F(StateAtTest, GeneratedMeetingIsRealistic) {
  std::map<std::string, int> types;
  for (const auto& e : *events_) types[e.type]++;
  for (const char* t :
       {"card_added", "card_voted", "vote_withdrawn", "card_merged", "card_deleted", "card_edited",
        "discussion_started", "discussion_finished", "timer_started", "continue_voted", "note_added",
        "note_deleted", "reaction", "phase_changed", "participant_joined"}) {
    EXPECT_GT(types[t], 0) << t;
  }
  json final_state = PlainFolds(*events_, {kEvents}).at(kEvents);
  EXPECT_GT(final_state["cards"].size(), 20u) << json(types).dump();
}

TEST_F(StateAtTest, SeqFromPersistedSnapshotsEqualsPlainFold) {
  const std::vector<int64_t> seqs = RandomSeqs(40, 1);
  const auto want = PlainFolds(*events_, {seqs.begin(), seqs.end()});
  for (store::Store* st : Stores()) {
    StateAt state_at;  // a fresh one: nothing is cached, every query is "cold"
    for (int64_t k : seqs) {
      json got;
      StateAtCost cost;
      const uint64_t read_before = memory_->events_read();
      ASSERT_TRUE(state_at.AtSeq(*st, kId, k, &got, &cost).ok()) << k;
      EXPECT_EQ(got["seq"], k);
      EXPECT_EQ(got["head_seq"], static_cast<int64_t>(kEvents));
      EXPECT_EQ(got["state"], want.at(k)) << "seq " << k << " on " << st->Describe();
      // Started from the snapshot at or below k (they sit every kSnapshotEvery events) and folded
      // only the rest: no scan of the log before it.
      EXPECT_EQ(cost.snapshot_seq, k / kSnapshotEvery * kSnapshotEvery) << k;
      EXPECT_EQ(cost.folded, k - cost.snapshot_seq);
      EXPECT_LT(cost.folded, kSnapshotEvery);
      EXPECT_FALSE(cost.bad_snapshot);
      if (st == memory_) {
        EXPECT_LE(memory_->events_read() - read_before, static_cast<uint64_t>(cost.folded) + 1);
      }
    }
    EXPECT_EQ(state_at.Stats().queries, seqs.size());
    EXPECT_EQ(state_at.Stats().bad_snapshots, 0u);
  }
}

TEST_F(StateAtTest, MomentEventsMoveTheSeq) {
  int64_t k = 0;
  for (const auto& e : *events_)
    if (e.type == "reaction" && e.seq > 1500) {
      k = e.seq;
      break;
    }
  ASSERT_GT(k, 0);
  StateAt state_at;
  json got;
  ASSERT_TRUE(state_at.AtSeq(*sqlite_, kId, k, &got).ok());
  EXPECT_EQ(got["seq"], k);
  EXPECT_EQ(got["state"]["last_seq"], k);
  EXPECT_EQ(got["state"], PlainFolds(*events_, {k}).at(k));
}

TEST_F(StateAtTest, TimeAnswersTheLastEventAtOrBeforeIt) {
  std::mt19937 rng(3);
  const int64_t first_ts = events_->front().ts, last_ts = events_->back().ts;
  std::vector<int64_t> ats = {first_ts - 1,
                              first_ts,
                              last_ts,
                              last_ts + 1,
                              std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()};
  for (int i = 0; i < 30; ++i) {
    const int64_t ts = (*events_)[std::uniform_int_distribution<size_t>(0, kEvents - 1)(rng)].ts;
    ats.insert(ats.end(), {ts - 1, ts, ts + 1});
  }
  std::set<int64_t> seqs;
  for (int64_t at : ats) seqs.insert(SeqAtTime(*events_, at));
  const auto want = PlainFolds(*events_, seqs);
  for (store::Store* st : Stores()) {
    StateAt state_at;
    for (int64_t at : ats) {
      json got;
      StateAtCost cost;
      ASSERT_TRUE(state_at.AtTime(*st, kId, at, &got, &cost).ok());
      const int64_t k = SeqAtTime(*events_, at);
      EXPECT_EQ(got["seq"], k) << "at " << at;
      EXPECT_EQ(got["state"], want.at(k)) << "at " << at;
      EXPECT_LT(cost.folded, kSnapshotEvery) << "at " << at;
      EXPECT_LE(cost.snapshot_seq, k);
    }
  }
  EXPECT_EQ(want.at(0), domain::ToJson(domain::Meeting{}));
}

TEST_F(StateAtTest, TiesAtOneTimeAreAllIncluded) {
  // Find two consecutive events with the same ts: asking for that ts must include both.
  int64_t k = 0;
  for (size_t i = 1; i + 1 < events_->size(); ++i)
    if ((*events_)[i].ts == (*events_)[i - 1].ts && (*events_)[i + 1].ts > (*events_)[i].ts) {
      k = (*events_)[i].seq;
      break;
    }
  ASSERT_GT(k, 0) << "the generator makes ties";
  StateAt state_at;
  json got;
  ASSERT_TRUE(state_at.AtTime(*sqlite_, kId, (*events_)[k - 1].ts, &got).ok());
  EXPECT_EQ(got["seq"], k);
}

TEST_F(StateAtTest, SeqPastTheHeadIsClamped) {
  StateAt state_at;
  const json want = PlainFolds(*events_, {kEvents}).at(kEvents);
  for (int64_t k : {static_cast<int64_t>(kEvents) + 1, std::numeric_limits<int64_t>::max()}) {
    json got;
    StateAtCost cost;
    ASSERT_TRUE(state_at.AtSeq(*sqlite_, kId, k, &got, &cost).ok());
    EXPECT_EQ(got["seq"], static_cast<int64_t>(kEvents));
    EXPECT_EQ(got["head_seq"], static_cast<int64_t>(kEvents));
    EXPECT_EQ(got["state"], want);
    EXPECT_EQ(cost.snapshot_seq, static_cast<int64_t>(kEvents));
    EXPECT_EQ(cost.folded, 0);
  }
}

TEST_F(StateAtTest, ZeroIsTheInitialState) {
  StateAt state_at;
  json got;
  ASSERT_TRUE(state_at.AtSeq(*sqlite_, kId, 0, &got).ok());
  EXPECT_EQ(got["seq"], 0);
  EXPECT_EQ(got["state"], domain::ToJson(domain::Meeting{}));
}

TEST_F(StateAtTest, UnknownMeetingIsNotFound) {
  StateAt state_at;
  json got;
  for (store::Store* st : Stores()) {
    EXPECT_EQ(state_at.AtSeq(*st, "m_nope", 1, &got).code(), Status::Code::kNotFound);
    EXPECT_EQ(state_at.AtTime(*st, "m_nope", 0, &got).code(), Status::Code::kNotFound);
    EXPECT_EQ(BuildSnapshots(*st, "m_nope").code(), Status::Code::kNotFound);
  }
}

TEST_F(StateAtTest, NegativeSeqIsInvalid) {
  StateAt state_at;
  json got;
  EXPECT_EQ(state_at.AtSeq(*sqlite_, kId, -1, &got).code(), Status::Code::kInvalid);
}

TEST_F(StateAtTest, QueryParametersAreParsedStrictly) {
  json got;
  for (auto [seq, at] : std::vector<std::pair<std::string, std::string>>{{"", ""},
                                                                         {"5", "2024-11-28"},
                                                                         {"-1", ""},
                                                                         {"+5", ""},
                                                                         {"1.5", ""},
                                                                         {"abc", ""},
                                                                         {" 5", ""},
                                                                         {"1234567890123456789", ""},
                                                                         {"", "yesterday"},
                                                                         {"", "2024-13-01"},
                                                                         {"", "2024-11-28T25:00Z"}}) {
    EXPECT_EQ(StateAtQuery(*sqlite_, kId, seq, at, &got).code(), Status::Code::kInvalid) << seq << "|" << at;
  }
  ASSERT_TRUE(StateAtQuery(*sqlite_, kId, "1234", "", &got).ok());
  EXPECT_EQ(got["seq"], 1234);
  EXPECT_EQ(got["state"], PlainFolds(*events_, {1234}).at(1234));

  const StoredEvent& e = (*events_)[4321];
  const int64_t want = SeqAtTime(*events_, e.ts);
  ASSERT_TRUE(StateAtQuery(*sqlite_, kId, "", FormatIsoMs(e.ts), &got).ok());
  EXPECT_EQ(got["seq"], want);
  ASSERT_TRUE(StateAtQuery(*sqlite_, kId, "", std::to_string(e.ts), &got).ok());
  EXPECT_EQ(got["seq"], want);
  ASSERT_TRUE(StateAtQuery(*sqlite_, kId, "", "1970-01-01", &got).ok());
  EXPECT_EQ(got["seq"], 0);
  EXPECT_EQ(StateAtQuery(*sqlite_, "m_nope", "1", "", &got).code(), Status::Code::kNotFound);
}

TEST_F(StateAtTest, ConcurrentQueriesAgree) {
  StateAt state_at;
  const std::vector<int64_t> seqs = RandomSeqs(60, 4);
  const auto want = PlainFolds(*events_, {seqs.begin(), seqs.end()});
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (size_t i = t; i < seqs.size(); i += 4) {
        json got;
        if (!state_at.AtSeq(*sqlite_, kId, seqs[i], &got).ok() || got["state"] != want.at(seqs[i]))
          mismatches[t]++;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  EXPECT_EQ(state_at.Stats().queries, seqs.size());
}

TEST_F(StateAtTest, BuildSnapshotsAgainWritesNothingAndReadsLittle) {
  const uint64_t before = memory_->events_read();
  int64_t written = -1;
  ASSERT_TRUE(BuildSnapshots(*memory_, kId, &written).ok());
  EXPECT_EQ(written, 0);
  EXPECT_EQ(memory_->events_read(), before);
  EXPECT_EQ(memory_->snapshot_count(kId), kEvents / kSnapshotEvery);
}

// A store older than snapshots: the first answer folds from seq 0 (correct, only slower) and
// persists the snapshots the meeting lacks, so the next answer starts from one.
TEST(StateAtWithoutSnapshots, FirstAnswerFoldsFromTheStartAndBackfills) {
  const std::string id = "m_old";
  const auto events = testing::GenerateMeeting(id, 2500, 11);
  testing::MemoryStore store;
  ASSERT_TRUE(testing::StoreMeeting(store, id, events).ok());
  StateAt state_at;
  json got;
  StateAtCost cost;
  ASSERT_TRUE(state_at.AtSeq(store, id, 2100, &got, &cost).ok());
  EXPECT_EQ(got["state"], PlainFolds(events, {2100}).at(2100));
  EXPECT_EQ(cost.snapshot_seq, 0);
  EXPECT_EQ(cost.folded, 2100);
  EXPECT_EQ(store.snapshot_count(id), 2u);  // at 1000 and 2000

  ASSERT_TRUE(state_at.AtSeq(store, id, 2100, &got, &cost).ok());
  EXPECT_EQ(got["state"], PlainFolds(events, {2100}).at(2100));
  EXPECT_EQ(cost.snapshot_seq, 2000);
  EXPECT_EQ(cost.folded, 100);
  ASSERT_TRUE(state_at.AtTime(store, id, events[1999].ts, &got, &cost).ok());
  EXPECT_EQ(got["seq"], SeqAtTime(events, events[1999].ts));
  EXPECT_LT(cost.folded, kSnapshotEvery);
}

// Snapshots as rooms place them (kSnapshotEvery after the previous one, not on multiples), then a
// backfill that starts from the last good one instead of seq 0.
TEST(StateAtSnapshots, BackfillKeepsWhatIsThereAndFillsTheRest) {
  const std::string id = "m_rooms";
  const auto events = testing::GenerateMeeting(id, 4200, 12);
  testing::MemoryStore store;
  ASSERT_TRUE(testing::StoreMeeting(store, id, events).ok());
  // A room's snapshot at 1003 (it commits in batches), none after.
  const json at_1003 = PlainFolds(events, {1003}).at(1003);
  ASSERT_TRUE(store::testing::PutSnapshotAndWait(store, {id, 1003, events[1002].ts, at_1003.dump()}).ok());

  const uint64_t before = store.events_read();
  int64_t written = 0;
  ASSERT_TRUE(BuildSnapshots(store, id, &written).ok());
  EXPECT_EQ(written, 3);                                   // 2003, 3003, 4003
  EXPECT_EQ(store.events_read() - before, 4200u - 1003u);  // folded from the snapshot, not seq 0
  EXPECT_EQ(store.snapshot_count(id), 4u);

  StateAt state_at;
  const std::vector<int64_t> seqs = {1002, 1003, 2002, 2003, 3500, 4003, 4200};
  const auto want = PlainFolds(events, {seqs.begin(), seqs.end()});
  for (int64_t k : seqs) {
    json got;
    StateAtCost cost;
    ASSERT_TRUE(state_at.AtSeq(store, id, k, &got, &cost).ok());
    EXPECT_EQ(got["state"], want.at(k)) << k;
    // Rooms' stretches run a little over kSnapshotEvery (1003 here); a backfill leaves those alone.
    EXPECT_LE(cost.folded, kSnapshotEvery * 3 / 2) << k;
  }
}

TEST(StateAtSnapshots, ASnapshotThatDoesNotRestoreFallsBackToTheLog) {
  const std::string id = "m_bad";
  const auto events = testing::GenerateMeeting(id, 2500, 13);
  testing::MemoryStore store;
  ASSERT_TRUE(testing::StoreMeeting(store, id, events).ok());
  ASSERT_TRUE(BuildSnapshots(store, id).ok());
  store.CorruptSnapshot(id, 2000, R"({"not":"a state"})");
  StateAt state_at;
  json got;
  StateAtCost cost;
  ASSERT_TRUE(state_at.AtSeq(store, id, 2200, &got, &cost).ok());
  EXPECT_EQ(got["state"], PlainFolds(events, {2200}).at(2200));
  EXPECT_TRUE(cost.bad_snapshot);
  EXPECT_EQ(cost.snapshot_seq, 0);
  EXPECT_EQ(state_at.Stats().bad_snapshots, 1u);
  // Below the bad one, the good snapshot at 1000 serves.
  ASSERT_TRUE(state_at.AtSeq(store, id, 1500, &got, &cost).ok());
  EXPECT_EQ(cost.snapshot_seq, 1000);
  EXPECT_EQ(got["state"], PlainFolds(events, {1500}).at(1500));
}

// Events appended after the snapshots: answers read them from the store, nothing is stale.
TEST(StateAtSnapshots, AppendsAreSeenAtOnce) {
  const std::string id = "m_live";
  const auto events = testing::GenerateMeeting(id, 1800, 14);
  testing::MemoryStore store;
  ASSERT_TRUE(testing::StoreMeeting(store, id, {events.begin(), events.begin() + 1200}).ok());
  ASSERT_TRUE(BuildSnapshots(store, id).ok());
  StateAt state_at;
  json got;
  ASSERT_TRUE(state_at.AtSeq(store, id, 5000, &got).ok());
  EXPECT_EQ(got["seq"], 1200);
  store::AppendRequest more;
  more.meeting_id = id;
  more.events.assign(events.begin() + 1200, events.end());
  ASSERT_TRUE(store::testing::AppendAndWait(store, std::move(more)).ok());
  StateAtCost cost;
  ASSERT_TRUE(state_at.AtSeq(store, id, 5000, &got, &cost).ok());
  EXPECT_EQ(got["seq"], 1800);
  EXPECT_EQ(got["state"], PlainFolds(events, {1800}).at(1800));
  EXPECT_EQ(cost.snapshot_seq, 1000);
  EXPECT_EQ(cost.folded, 800);
}

}  // namespace
}  // namespace confab::views
