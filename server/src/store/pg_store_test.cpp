// PgStore beyond the shared contract (store_contract_test.cpp): several nodes on one database, schema
// migrations racing, and the server going away and coming back.
//
// Needs CONFAB_TEST_PG_URL; the outage test also needs CONFAB_TEST_PG_CTL, a shell command prefix
// that stops ("<prefix> stop -m immediate") and starts ("<prefix> start -w") that server. Tests skip
// when they are unset. The outage test stops the server: run it alone, not beside other tests
// using the same server.
#include "store/pg_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/pg_schema.hpp"
#include "store/pg_test_support.hpp"
#include "store/test_support.hpp"
#include "util/thread_role.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using Clock = std::chrono::steady_clock;

AppendRequest One(const std::string& meeting, int64_t seq, const std::string& id, std::string prev_id) {
  AppendRequest req;
  req.meeting_id = meeting;
  req.events.push_back(MakeEvent(seq, id));
  req.prev_id = std::move(prev_id);
  return req;
}

// The head seq of `meeting` and the id of the event there.
Status ReadHead(Store& store, const std::string& meeting, int64_t* seq, std::string* id) {
  if (Status s = store.HeadSeq(meeting, seq); !s.ok()) return s;
  std::vector<StoredEvent> last;
  if (Status s = store.ReadEvents(meeting, *seq - 1, 1, false, &last); !s.ok()) return s;
  if (last.empty()) return Status::NotFound("no event at the head");
  *seq = last[0].seq;  // the head may have moved between the two reads
  *id = last[0].id;
  return Status::Ok();
}

class PgStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (testing::PgServerUrl().empty()) {
      GTEST_SKIP() << testing::kNoPgServer;
    }
    schema_ = std::make_unique<testing::PgTestSchema>();
    ASSERT_EQ(schema_->error(), "");
  }
  std::unique_ptr<PgStore> Open() {
    std::unique_ptr<PgStore> store;
    Status s = PgStore::Open(schema_->url(), &store);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return store;
  }

  std::unique_ptr<testing::PgTestSchema> schema_;
};

// Two nodes, several rooms' worth of threads each, all appending to ONE meeting. Each thread keeps
// its own idea of the head (its last acked event) and only re-reads the real head after a Conflict,
// as a room that lost a race would. The database must serialise them into one contiguous log.
TEST_F(PgStoreTest, TwoNodesAppendingToOneMeetingKeepItsLogContiguous) {
  auto node_a = Open();
  auto node_b = Open();
  ASSERT_TRUE(node_a && node_b);
  ASSERT_TRUE(AppendAndWait(*node_a, CreateRequest("m")).ok());

  constexpr int kThreadsPerNode = 3;
  constexpr int kAppendsPerThread = 40;
  std::mutex mu;
  std::map<std::string, int64_t> acked;  // id -> the seq it was acked with
  std::atomic<int> conflicts{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 2; ++n) {
    for (int t = 0; t < kThreadsPerNode; ++t) {
      threads.emplace_back([&, n, t] {
        Store& node = n == 0 ? *node_a : *node_b;
        int64_t head = 1;
        std::string prev = "ev-m-1";
        for (int k = 0; k < kAppendsPerThread;) {
          const std::string id = "n" + std::to_string(n) + "-t" + std::to_string(t) + "-" + std::to_string(k);
          Status s = AppendAndWait(node, One("m", head + 1, id, prev));
          if (s.ok()) {
            std::lock_guard lock(mu);
            acked[id] = head + 1;
            ++head;
            prev = id;
            ++k;
          } else if (s.code() == Status::Code::kConflict) {
            conflicts.fetch_add(1);
            if (!ReadHead(node, "m", &head, &prev).ok()) unexpected.fetch_add(1);
          } else {
            ADD_FAILURE() << s.ToString();
            unexpected.fetch_add(1);
            return;
          }
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(conflicts.load(), 0) << "the nodes never raced";

  constexpr int kTotal = 1 + 2 * kThreadsPerNode * kAppendsPerThread;
  std::vector<StoredEvent> events;
  ASSERT_TRUE(node_b->ReadEvents("m", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), static_cast<size_t>(kTotal));
  std::set<std::string> ids;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_TRUE(ids.insert(events[i].id).second) << "stored twice: " << events[i].id;
    if (i > 0) {
      auto it = acked.find(events[i].id);
      ASSERT_NE(it, acked.end()) << "stored but never acked: " << events[i].id;
      EXPECT_EQ(it->second, events[i].seq) << events[i].id;
    }
  }
  EXPECT_EQ(acked.size(), static_cast<size_t>(kTotal - 1));

  // A retry of an acked event, built on the current head, is recognised.
  const StoredEvent& last = events.back();
  EXPECT_EQ(AppendAndWait(*node_a, One("m", last.seq + 1, events[5].id, last.id)).code(),
            Status::Code::kDuplicate);
  // Feature usage counted each event exactly once across both nodes.
  int64_t counted = 0;
  ASSERT_TRUE(node_a
                  ->ScanFeatureUsage(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                     [&](const FeatureUsage& u) {
                                       counted += u.events;
                                       return true;
                                     })
                  .ok());
  EXPECT_EQ(counted, kTotal);
}

// Holds a store's writer thread (inside a callback) so that what is queued meanwhile is written as one
// batch, as store_contract_test.cpp does.
class WriterGate {
 public:
  explicit WriterGate(Store& store, const std::string& meeting) {
    std::promise<void> held;
    auto is_held = held.get_future();
    store.Append(CreateRequest(meeting), [this, &held](Status s) {
      EXPECT_TRUE(s.ok()) << s.ToString();
      held.set_value();
      release_.get_future().wait();
    });
    is_held.wait();
  }
  void Release() { release_.set_value(); }

 private:
  std::promise<void> release_;
};

std::future<Status> Queue(Store& store, AppendRequest req) {
  auto p = std::make_shared<std::promise<Status>>();
  auto f = p->get_future();
  store.Append(std::move(req), [p](Status s) { p->set_value(std::move(s)); });
  return f;
}

std::vector<std::string> Ids(Store& store, const std::string& meeting) {
  std::vector<StoredEvent> events;
  EXPECT_TRUE(store.ReadEvents(meeting, 0, 0, false, &events).ok());
  std::vector<std::string> out;
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
    out.push_back(events[i].id);
  }
  return out;
}

int64_t CountedUsage(Store& store) {
  int64_t counted = 0;
  EXPECT_TRUE(store
                  .ScanFeatureUsage(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                    [&](const FeatureUsage& u) {
                                      counted += u.events;
                                      return true;
                                    })
                  .ok());
  return counted;
}

// One batch of plain appends to many meetings is written by one statement for all of them, which
// checks each meeting's first request against the table and chains the rest within the batch. Each
// request must still get exactly the answer it would get alone, in queue order.
TEST_F(PgStoreTest, ABatchOfManyMeetingsAnswersEachRequestAsIfWrittenAlone) {
  auto store = Open();
  ASSERT_TRUE(store);
  for (const char* m : {"a", "b", "c", "s"}) ASSERT_TRUE(AppendAndWait(*store, CreateRequest(m)).ok());
  ASSERT_TRUE(AppendAndWait(*store, One("b", 2, "b2", "ev-b-1")).ok());
  const StoreStats before = store->Stats();

  WriterGate gate(*store, "gate");
  std::vector<std::future<Status>> results;
  // a: three requests chaining on each other and on the log: all written.
  results.push_back(Queue(*store, One("a", 2, "a2", "ev-a-1")));
  results.push_back(Queue(*store, One("a", 3, "a3", "a2")));
  results.push_back(Queue(*store, One("a", 4, "a4", "a3")));
  // b: the first takes a seq that is taken; the one chained on it fails with it.
  results.push_back(Queue(*store, One("b", 2, "bx", "ev-b-1")));
  results.push_back(Queue(*store, One("b", 3, "by", "bx")));
  // c: the first names the wrong previous event.
  results.push_back(Queue(*store, One("c", 2, "c2", "not-there")));
  // d: no such meeting.
  results.push_back(Queue(*store, One("d", 2, "d2", "d1")));
  results.push_back(Queue(*store, One("d", 3, "d3", "d2")));
  // new: created in this batch, then appended to (its own statements, beside the bulk one).
  results.push_back(Queue(*store, CreateRequest("new")));
  results.push_back(Queue(*store, One("new", 2, "new2", "ev-new-1")));
  // s: an append with its snapshot behind it, and one past the head.
  results.push_back(Queue(*store, One("s", 2, "s2", "ev-s-1")));
  auto snap_ok = std::make_shared<std::promise<Status>>();
  auto snap_ahead = std::make_shared<std::promise<Status>>();
  store->PutSnapshot(Snapshot{"s", 2, 2, "{}"}, [snap_ok](Status s) { snap_ok->set_value(s); });
  store->PutSnapshot(Snapshot{"s", 3, 3, "{}"}, [snap_ahead](Status s) { snap_ahead->set_value(s); });
  // a, again, queued after the others: still chains on a4.
  results.push_back(Queue(*store, One("a", 5, "a5", "a4")));
  gate.Release();
  store->Flush();

  std::vector<Status::Code> codes;
  for (auto& f : results) codes.push_back(f.get().code());
  using C = Status::Code;
  EXPECT_EQ(codes, (std::vector<C>{C::kOk, C::kOk, C::kOk, C::kConflict, C::kConflict, C::kConflict,
                                   C::kNotFound, C::kNotFound, C::kOk, C::kOk, C::kOk, C::kOk}));
  EXPECT_TRUE(snap_ok->get_future().get().ok());
  EXPECT_EQ(snap_ahead->get_future().get().code(), C::kInvalid);
  const StoreStats after = store->Stats();
  EXPECT_EQ(after.commits - before.commits, 2u);  // the gate's, and one for the batch
  EXPECT_EQ(after.failed_appends - before.failed_appends, 5u);
  EXPECT_EQ(Ids(*store, "a"), (std::vector<std::string>{"ev-a-1", "a2", "a3", "a4", "a5"}));
  EXPECT_EQ(Ids(*store, "b"), (std::vector<std::string>{"ev-b-1", "b2"}));
  EXPECT_EQ(Ids(*store, "c"), (std::vector<std::string>{"ev-c-1"}));
  EXPECT_EQ(Ids(*store, "new"), (std::vector<std::string>{"ev-new-1", "new2"}));
  EXPECT_EQ(Ids(*store, "s"), (std::vector<std::string>{"ev-s-1", "s2"}));
  int64_t head = 0;
  EXPECT_EQ(store->HeadSeq("d", &head).code(), C::kNotFound);
  EXPECT_EQ(CountedUsage(*store), static_cast<int64_t>(after.events));
}

// Batches the one statement cannot answer as the per-request path would are rolled back and written
// request by request: the others in the batch are unaffected, and still committed together.
TEST_F(PgStoreTest, ABatchTheBulkStatementCannotAnswerIsWrittenRequestByRequest) {
  auto store = Open();
  ASSERT_TRUE(store);
  for (const char* m : {"a", "e", "f"}) ASSERT_TRUE(AppendAndWait(*store, CreateRequest(m)).ok());
  ASSERT_TRUE(AppendAndWait(*store, One("e", 2, "e2", "ev-e-1")).ok());
  ASSERT_TRUE(AppendAndWait(*store, One("e", 3, "e3", "e2")).ok());
  using C = Status::Code;

  {
    // e: a retry of the stored e3 (its seq is taken), then an append continuing the stored e3, which
    // on its own holds. The bulk statement fails the whole meeting with its first request; the
    // writer must notice and answer the second as written.
    const StoreStats before = store->Stats();
    WriterGate gate(*store, "gate1");
    auto r1 = Queue(*store, One("a", 2, "a2", "ev-a-1"));
    auto r2 = Queue(*store, One("e", 3, "e3", "e2"));
    auto r3 = Queue(*store, One("e", 4, "e4", "e3"));
    auto r4 = Queue(*store, One("a", 3, "a3", "a2"));
    gate.Release();
    store->Flush();
    EXPECT_EQ(r1.get().code(), C::kOk);
    EXPECT_EQ(r2.get().code(), C::kConflict);
    EXPECT_EQ(r3.get().code(), C::kOk);
    EXPECT_EQ(r4.get().code(), C::kOk);
    EXPECT_EQ(store->Stats().commits - before.commits, 2u);
    EXPECT_EQ(Ids(*store, "e"), (std::vector<std::string>{"ev-e-1", "e2", "e3", "e4"}));
  }
  {
    // f: the second request repeats a stored event id (a unique violation, which aborts the bulk
    // statement): only it fails, with Duplicate.
    const StoreStats before = store->Stats();
    WriterGate gate(*store, "gate2");
    auto r1 = Queue(*store, One("a", 4, "a4", "a3"));
    auto r2 = Queue(*store, One("f", 2, "f2", "ev-f-1"));
    auto r3 = Queue(*store, One("f", 3, "ev-f-1", "f2"));
    auto r4 = Queue(*store, One("a", 5, "a5", "a4"));
    gate.Release();
    store->Flush();
    EXPECT_EQ(r1.get().code(), C::kOk);
    EXPECT_EQ(r2.get().code(), C::kOk);
    EXPECT_EQ(r3.get().code(), C::kDuplicate);
    EXPECT_EQ(r4.get().code(), C::kOk);
    EXPECT_EQ(store->Stats().commits - before.commits, 2u);
    EXPECT_EQ(Ids(*store, "f"), (std::vector<std::string>{"ev-f-1", "f2"}));
  }
  EXPECT_EQ(Ids(*store, "a"), (std::vector<std::string>{"ev-a-1", "a2", "a3", "a4", "a5"}));
  EXPECT_EQ(CountedUsage(*store), static_cast<int64_t>(store->Stats().events));
  EXPECT_TRUE(store->WriterHealth().ok());
}

// Two nodes, one thread per node for each of many meetings, every room pipelining two appends: each
// node's batches are written by the bulk statement, and the nodes race on every meeting (a seq taken
// by the other node shows either as a failed check or as a unique violation that sends the batch
// request by request). Every log must end contiguous with each acked event at its acked seq.
TEST_F(PgStoreTest, TwoNodesRacingOnManyMeetingsKeepEveryLogContiguous) {
  auto node_a = Open();
  auto node_b = Open();
  ASSERT_TRUE(node_a && node_b);
  constexpr int kMeetings = 12;
  constexpr int kAppendsPerThread = 30;
  for (int m = 0; m < kMeetings; ++m)
    ASSERT_TRUE(AppendAndWait(*node_a, CreateRequest("m" + std::to_string(m))).ok());

  std::mutex mu;
  std::map<std::pair<std::string, std::string>, int64_t> acked;  // (meeting, id) -> acked seq
  std::atomic<int> conflicts{0}, unexpected{0};
  std::vector<std::thread> threads;
  for (int n = 0; n < 2; ++n) {
    for (int m = 0; m < kMeetings; ++m) {
      threads.emplace_back([&, n, m] {
        Store& node = n == 0 ? *node_a : *node_b;
        const std::string meeting = "m" + std::to_string(m);
        int64_t head = 1;
        std::string prev = "ev-" + meeting + "-1";
        for (int k = 0; k < kAppendsPerThread;) {
          // Two chained appends in flight at once, as a room whose clients push quickly.
          const std::string id1 = "n" + std::to_string(n) + "-" + std::to_string(k);
          const std::string id2 = "n" + std::to_string(n) + "-" + std::to_string(k + 1);
          auto f1 = Queue(node, One(meeting, head + 1, id1, prev));
          auto f2 = Queue(node, One(meeting, head + 2, id2, id1));
          const Status s1 = f1.get(), s2 = f2.get();
          for (const Status* s : {&s1, &s2}) {
            if (!s->ok() && s->code() != Status::Code::kConflict) {
              ADD_FAILURE() << s->ToString();
              unexpected.fetch_add(1);
            }
          }
          if (unexpected.load() > 0) return;
          if (s1.ok()) {
            std::lock_guard lock(mu);
            acked[{meeting, id1}] = head + 1;
            if (s2.ok()) acked[{meeting, id2}] = head + 2;
          } else if (s2.ok()) {
            ADD_FAILURE() << "an append chained on a failed one was written";
            unexpected.fetch_add(1);
            return;
          }
          if (s1.ok() && s2.ok()) {
            head += 2;
            prev = id2;
            k += 2;
          } else {
            // Lost a race: start again from the real head, as a room would.
            conflicts.fetch_add(1);
            if (!ReadHead(node, meeting, &head, &prev).ok()) unexpected.fetch_add(1);
            if (s1.ok()) k += 1;
          }
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(conflicts.load(), 0) << "the nodes never raced";

  size_t stored = 0;
  for (int m = 0; m < kMeetings; ++m) {
    const std::string meeting = "m" + std::to_string(m);
    std::vector<StoredEvent> events;
    ASSERT_TRUE(node_b->ReadEvents(meeting, 0, 0, false, &events).ok());
    stored += events.size();
    std::set<std::string> ids;
    for (size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
      EXPECT_TRUE(ids.insert(events[i].id).second) << "stored twice: " << events[i].id;
      if (i == 0) continue;
      auto it = acked.find({meeting, events[i].id});
      ASSERT_NE(it, acked.end()) << "stored but never acked: " << meeting << " " << events[i].id;
      EXPECT_EQ(it->second, events[i].seq) << meeting << " " << events[i].id;
    }
  }
  EXPECT_EQ(stored, acked.size() + kMeetings);
  EXPECT_EQ(CountedUsage(*node_a), static_cast<int64_t>(stored));
}

// Nodes started together against an empty database: exactly one applies each migration.
TEST_F(PgStoreTest, NodesOpeningAnEmptyDatabaseAtOnceMigrateItOnce) {
  constexpr int kNodes = 4;
  std::vector<std::unique_ptr<PgStore>> stores(kNodes);
  std::vector<Status> results(kNodes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kNodes; ++i) {
    threads.emplace_back([&, i] { results[i] = PgStore::Open(schema_->url(), &stores[i]); });
  }
  for (auto& t : threads) t.join();
  for (const Status& s : results) EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(schema_->Query("SELECT COUNT(*) FROM schema_version"), std::to_string(kPgSchemaVersion));
  EXPECT_EQ(schema_->Query("SELECT MAX(version) FROM schema_version"), std::to_string(kPgSchemaVersion));
  for (int i = 0; i < kNodes; ++i) {
    ASSERT_TRUE(stores[i]);
    EXPECT_TRUE(AppendAndWait(*stores[i], CreateRequest("m" + std::to_string(i))).ok());
  }
}

TEST_F(PgStoreTest, ReopeningAppliesNothingAndANewerDatabaseIsRefused) {
  Open().reset();
  Open().reset();
  EXPECT_EQ(schema_->Query("SELECT COUNT(*) FROM schema_version"), std::to_string(kPgSchemaVersion));
  EXPECT_NE(schema_->Query("SELECT MIN(applied_ts) FROM schema_version"), "0");
  ASSERT_EQ(schema_->Exec("INSERT INTO schema_version VALUES (999, 0)"), "");
  std::unique_ptr<PgStore> newer;
  Status s = PgStore::Open(schema_->url(), &newer);
  EXPECT_EQ(s.code(), Status::Code::kInvalid) << s.ToString();
  EXPECT_NE(s.message().find("999"), std::string::npos) << s.message();
}

TEST_F(PgStoreTest, OpenStoreAcceptsBothSchemesAndDescribeHidesThePassword) {
  std::string url = schema_->url();
  const size_t scheme_end = url.find("://");
  ASSERT_NE(scheme_end, std::string::npos) << "CONFAB_TEST_PG_URL must be a postgres:// URI here";
  const size_t at = url.find('@', scheme_end);
  // A password the trust-authenticated test server ignores, but which must never be echoed.
  if (at != std::string::npos &&
      url.substr(scheme_end + 3, at - scheme_end - 3).find(':') == std::string::npos) {
    url.insert(at, ":hunter2");
  }
  for (const std::string scheme : {"postgres", "postgresql"}) {
    std::unique_ptr<Store> store;
    Status s = OpenStore(scheme + url.substr(url.find("://")), &store);
    ASSERT_TRUE(s.ok()) << s.ToString();
    const std::string d = store->Describe();
    EXPECT_EQ(d.rfind("postgres://", 0), 0u) << d;
    EXPECT_EQ(d.find("hunter2"), std::string::npos) << d;
    EXPECT_EQ(d.find("search_path"), std::string::npos) << d;
    EXPECT_NE(d.find('@'), std::string::npos) << d;
    EXPECT_TRUE(AppendAndWait(*store, CreateRequest("m-" + scheme)).ok());
  }
}

TEST_F(PgStoreTest, AnUnreachableServerIsUnavailableWithoutLeakingTheUrl) {
  std::unique_ptr<Store> store;
  // Port 1 on loopback: refused at once.
  Status s = OpenStore("postgres://confab:hunter2@127.0.0.1:1/confab", &store);
  EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
}

TEST_F(PgStoreTest, TextPostgresCannotHoldIsInvalid) {
  auto store = Open();
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  AppendRequest nul = One("m", 2, "nul", "ev-m-1");
  nul.events[0].json = std::string("{\"a\":\"\0\"}", 9);
  EXPECT_EQ(AppendAndWait(*store, nul).code(), Status::Code::kInvalid);
  AppendRequest bad_utf8 = One("m", 2, "utf8", "ev-m-1");
  bad_utf8.events[0].json = "{\"a\":\"\xff\xfe\"}";
  EXPECT_EQ(AppendAndWait(*store, bad_utf8).code(), Status::Code::kInvalid);
  // Neither disturbed the writer or the log.
  EXPECT_TRUE(store->WriterHealth().ok());
  EXPECT_TRUE(AppendAndWait(*store, One("m", 2, "fine", "ev-m-1")).ok());
}

// The server ends the store's connections (a failover, an idle-connection reaper): the batch in
// flight fails with Unavailable, the writer reports it, reconnects, and is healthy after its next
// commit; reads reconnect by themselves.
TEST_F(PgStoreTest, LostConnectionsFailTheBatchThenRecover) {
  auto store = Open();
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  int64_t head = 0;
  ASSERT_TRUE(store->HeadSeq("m", &head).ok());  // leaves a pooled reader connection behind
  ASSERT_EQ(schema_->TerminateConnections(), "");

  Status lost = AppendAndWait(*store, One("m", 2, "e2", "ev-m-1"));
  EXPECT_EQ(lost.code(), Status::Code::kUnavailable) << lost.ToString();
  EXPECT_EQ(store->WriterHealth().code(), Status::Code::kUnavailable);
  ASSERT_TRUE(store->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 1);  // nothing of the failed batch landed

  // Healthy again once an append commits (the reconnect happens in the background).
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  Status s;
  do {
    s = AppendAndWait(*store, One("m", 2, "e2", "ev-m-1"));
  } while (s.code() == Status::Code::kUnavailable && Clock::now() < deadline);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(store->WriterHealth().ok()) << store->WriterHealth().ToString();
  ASSERT_TRUE(store->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, 2);
}

// As on SQLite: a batch whose requests were all refused by their own checks (here a meeting that exists)
// wrote nothing, so it is no sign of recovery; only a commit that stored something is.
TEST_F(PgStoreTest, ARefusedAppendIsNoRecoveryAndTheLogHasNoDuplicateKeys) {
  auto store = Open();
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  ASSERT_EQ(schema_->TerminateConnections(), "");
  ASSERT_EQ(AppendAndWait(*store, One("m", 2, "e2", "ev-m-1")).code(), Status::Code::kUnavailable);

  const auto deadline = Clock::now() + std::chrono::seconds(20);
  Status refused;
  do {
    refused = AppendAndWait(*store, CreateRequest("m"));
  } while (refused.code() == Status::Code::kUnavailable && Clock::now() < deadline);
  ASSERT_EQ(refused.code(), Status::Code::kConflict) << refused.ToString();
  const WriterHealthReport failing = store->WriterHealthDetail();
  EXPECT_EQ(failing.status.code(), Status::Code::kUnavailable) << "reconnected, but nothing was written yet";
  EXPECT_FALSE(failing.last_error.empty());
  EXPECT_GT(failing.since_ms, 0);

  ASSERT_TRUE(AppendAndWait(*store, One("m", 2, "e2", "ev-m-1")).ok());
  const WriterHealthReport recovered = store->WriterHealthDetail();
  EXPECT_TRUE(recovered.status.ok()) << recovered.status.ToString();
  EXPECT_EQ(recovered.last_error, failing.last_error);

  std::vector<DuplicateKey> dups;
  ASSERT_TRUE(store->FindDuplicateKeys(&dups).ok());
  EXPECT_TRUE(dups.empty());
}

// PostgreSQL itself stops (immediate shutdown, as a crash) and starts again.
TEST_F(PgStoreTest, AppendsFailPromptlyWhileTheServerIsDownAndNothingAckedIsLost) {
  const char* ctl = std::getenv("CONFAB_TEST_PG_CTL");
  if (!ctl || !*ctl) {
    GTEST_SKIP() << "CONFAB_TEST_PG_CTL is not set: cannot stop and start the test server";
  }
  auto store = Open();
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  std::vector<std::string> acked = {"ev-m-1"};
  for (int i = 2; i <= 20; ++i) {
    const std::string id = "before-" + std::to_string(i);
    ASSERT_TRUE(AppendAndWait(*store, One("m", i, id, acked.back())).ok());
    acked.push_back(id);
  }

  ASSERT_EQ(std::system((std::string(ctl) + " stop -m immediate >/dev/null 2>&1").c_str()), 0);
  // Every append while down fails (none is held until the server returns), and says why.
  for (int attempt = 0; attempt < 5; ++attempt) {
    Status s = AppendAndWait(*store, One("m", 21, "during", acked.back()));
    EXPECT_EQ(s.code(), Status::Code::kUnavailable) << s.ToString();
  }
  Status health = store->WriterHealth();
  EXPECT_EQ(health.code(), Status::Code::kUnavailable);
  EXPECT_FALSE(health.message().empty());
  int64_t head = 0;
  EXPECT_EQ(store->HeadSeq("m", &head).code(), Status::Code::kUnavailable);

  ASSERT_EQ(std::system((std::string(ctl) + " start -w >/dev/null 2>&1").c_str()), 0);
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  Status s;
  do {
    s = AppendAndWait(*store, One("m", 21, "after", acked.back()));
  } while (s.code() == Status::Code::kUnavailable && Clock::now() < deadline);
  ASSERT_TRUE(s.ok()) << s.ToString();
  acked.push_back("after");
  EXPECT_TRUE(store->WriterHealth().ok());

  std::vector<StoredEvent> events;
  ASSERT_TRUE(store->ReadEvents("m", 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), acked.size());
  for (size_t i = 0; i < acked.size(); ++i) {
    EXPECT_EQ(events[i].id, acked[i]);
    EXPECT_EQ(events[i].seq, static_cast<int64_t>(i + 1));
  }
  // A fresh node sees the same log.
  auto other = Open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(other->HeadSeq("m", &head).ok());
  EXPECT_EQ(head, static_cast<int64_t>(acked.size()));
}

// The threading rule of store.hpp: every blocking PgStore method checks the thread role. (Debug
// builds abort on a violation; the SQLite store's death tests cover that path.)
TEST_F(PgStoreTest, EveryBlockingMethodChecksTheThreadRole) {
#ifndef NDEBUG
  GTEST_SKIP() << "debug build: a violation aborts (see BlockingReadsDeathTest)";
#else
  auto store = Open();
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  const uint64_t before = BlockingOnIoThreadCount();
  {
    IoThreadScope io;
    int64_t n = 0;
    MeetingRecord meeting;
    Credential cred;
    Snapshot snap;
    std::vector<StoredEvent> events;
    std::vector<MeetingRecord> meetings;
    auto any = [](const auto&) { return true; };
    store->GetMeeting("m", &meeting);
    store->HeadSeq("m", &n);
    store->ReadEvents("m", 0, 0, false, &events);
    store->ScanEvents("m", 0, any);
    store->ScanAll(any);
    store->FindEventSeq("m", "x", &n);
    store->GetCredential("m", "p", &cred);
    store->ListMeetings(&meetings);
    store->LatestSnapshot("m", 1, 1, &snap);
    store->ScanFeatureUsage(0, 1, any);
    store->Flush();
    // Queueing and memory-only calls are allowed.
    store->Append(One("m", 2, "two", "ev-m-1"), nullptr);
    store->WriterHealth();
    store->Stats();
    store->Describe();
  }
  EXPECT_EQ(BlockingOnIoThreadCount(), before + 11);
#endif
}

}  // namespace
}  // namespace confab::store
