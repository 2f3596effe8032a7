// feature_usage (schema v3): events per (type, UTC day, meeting), backfilled by the migration and kept
// by the writer in the transaction of the events it counts. Every test compares it with a recount of
// the log itself.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <future>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "store/schema.hpp"
#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::MakeEvent;
using testing::TempDir;

using Usage = std::map<std::tuple<std::string, int64_t, std::string>, int64_t>;
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

Usage Scan(Store& store, int64_t from_day = kMin, int64_t to_day = kMax) {
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

// Rows of a query whose columns are (type, day, meeting_id, events), read through a raw connection.
Usage QueryUsage(const std::string& path, const char* sql) {
  Usage out;
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  while (stmt && sqlite3_step(stmt) == SQLITE_ROW) {
    out[{reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), sqlite3_column_int64(stmt, 1),
         reinterpret_cast<const char*>(sqlite3_column_text(stmt, 2))}] = sqlite3_column_int64(stmt, 3);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return out;
}

// The same GROUP BY the brief of the table names, over whatever `events` holds now.
Usage GroupByOverEvents(const std::string& path) {
  return QueryUsage(
      path,
      "SELECT type, CASE WHEN ts >= 0 THEN ts / 86400000 ELSE (ts - 86399999) / 86400000 END AS d,"
      " meeting_id, COUNT(*) FROM events GROUP BY type, d, meeting_id");
}

void ExecRaw(const std::string& path, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  char* msg = nullptr;
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
  sqlite3_free(msg);
  sqlite3_close(raw);
}

TEST(UsageDayTest, RoundsDownToWholeUtcDays) {
  EXPECT_EQ(UsageDay(0), 0);
  EXPECT_EQ(UsageDay(kMsPerDay - 1), 0);
  EXPECT_EQ(UsageDay(kMsPerDay), 1);
  EXPECT_EQ(UsageDay(1732770000000), 20055);  // 2024-11-28T05:00Z
  EXPECT_EQ(UsageDay(-1), -1);
  EXPECT_EQ(UsageDay(-kMsPerDay), -1);
  EXPECT_EQ(UsageDay(-kMsPerDay - 1), -2);
}

// A file as schema v2 left it, with events of several types, meetings and days, including both
// sides of midnight and a timestamp before 1970.
TEST(FeatureUsageMigrationTest, AVersion2FileIsBackfilledExactly) {
  TempDir dir;
  const std::string path = dir.File("v2.db");
  std::string sql =
      "PRAGMA journal_mode=WAL;"
      "CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_ts INTEGER NOT NULL);"
      "INSERT INTO schema_version VALUES (1, 1732770000000), (2, 1732770000001);"
      "CREATE TABLE meetings (id TEXT PRIMARY KEY NOT NULL, facilitator_token_hash TEXT NOT NULL,"
      "  created_ts INTEGER NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE credentials (meeting_id TEXT NOT NULL, pid TEXT NOT NULL, secret_hash TEXT NOT NULL,"
      "  PRIMARY KEY (meeting_id, pid)) WITHOUT ROWID;"
      "CREATE TABLE events (meeting_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,"
      "  type TEXT NOT NULL, actor_pid TEXT NOT NULL, ts INTEGER NOT NULL, replayed INTEGER NOT NULL,"
      "  json TEXT NOT NULL);"
      "CREATE TABLE event_index (meeting_id TEXT NOT NULL, seq INTEGER NOT NULL, id TEXT NOT NULL,"
      "  event_rowid INTEGER NOT NULL, PRIMARY KEY (meeting_id, seq)) WITHOUT ROWID;"
      "CREATE TABLE index_state (one INTEGER PRIMARY KEY NOT NULL CHECK (one = 1),"
      "  indexed_through INTEGER NOT NULL);"
      "INSERT INTO meetings VALUES ('a', 'ha', 1), ('b', 'hb', 2), ('c', 'hc', 3);";
  const char* types[] = {"meeting_created", "card_added", "vote_cast", "reaction"};
  std::mt19937_64 rng(7);
  std::map<std::string, int64_t> heads;
  sql += "INSERT INTO events VALUES ";
  for (int i = 0; i < 600; ++i) {
    const std::string m(1, static_cast<char>('a' + rng() % 3));
    const int64_t seq = ++heads[m];
    const std::string type = seq == 1 ? types[0] : types[1 + rng() % 3];
    // Around three midnights, the epoch, and one day before it.
    const int64_t base = std::vector<int64_t>{20054 * kMsPerDay, 20055 * kMsPerDay, 0, -kMsPerDay}[rng() % 4];
    const int64_t ts = base + static_cast<int64_t>(rng() % 7200000) - 3600000;
    sql += std::string(i ? "," : "") + "('" + m + "'," + std::to_string(seq) + ",'" + m +
           std::to_string(seq) + "','" + type + "',''," + std::to_string(ts) + ",1,'{}')";
  }
  sql +=
      ";INSERT INTO event_index SELECT meeting_id, seq, id, rowid FROM events;"
      "INSERT INTO index_state VALUES (1, (SELECT MAX(rowid) FROM events));";
  ExecRaw(path, sql);
  const Usage expected = GroupByOverEvents(path);
  ASSERT_GT(expected.size(), 20u);

  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(path, &store).ok());
  EXPECT_EQ(Scan(*store), expected);
  EXPECT_EQ(Recount(*store), expected);  // the SQL day matches UsageDay, before 1970 too

  // Appends after the migration add to the backfilled rows.
  AppendRequest req;
  req.meeting_id = "a";
  req.events.push_back(MakeEvent(heads["a"] + 1, "new", "vote_cast"));
  ASSERT_TRUE(AppendAndWait(*store, req).ok());
  EXPECT_EQ(Scan(*store), Recount(*store));
  store.reset();
  EXPECT_EQ(QueryUsage(path, "SELECT type, day, meeting_id, events FROM feature_usage"),
            GroupByOverEvents(path));
}

class FeatureUsageTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(SqliteStore::Open(path_, &store_).ok()); }

  TempDir dir_;
  std::string path_ = dir_.File("usage.db");
  std::unique_ptr<SqliteStore> store_;
};

// Random traffic across meetings and days, pipelined so batches mix meetings, with imports (one
// append of many events) and requests that fail in the middle of a batch (their events must not count).
TEST_F(FeatureUsageTest, TheWritersCountsEqualARecountAfterRandomAppends) {
  const char* types[] = {"card_added", "vote_cast", "reaction", "timer_started", "card_moved"};
  constexpr int kMeetings = 6;
  std::mt19937_64 rng(42);
  std::vector<int64_t> heads(kMeetings, 1);
  std::vector<int64_t> clock(kMeetings);
  for (int m = 0; m < kMeetings; ++m) {
    AppendRequest create = CreateRequest("m" + std::to_string(m));
    clock[m] = 20054 * kMsPerDay + m * 3600000;
    create.events[0].ts = clock[m];
    ASSERT_TRUE(AppendAndWait(*store_, std::move(create)).ok());
  }
  std::atomic<int> failed{0}, conflicts{0};
  for (int i = 0; i < 400; ++i) {
    const int m = static_cast<int>(rng() % kMeetings);
    const std::string mid = "m" + std::to_string(m);
    AppendRequest req;
    req.meeting_id = mid;
    const int n = rng() % 10 == 0 ? 50 + static_cast<int>(rng() % 200) : 1 + static_cast<int>(rng() % 3);
    for (int k = 0; k < n; ++k) {
      const int64_t seq = ++heads[m];
      StoredEvent e = MakeEvent(seq, mid + "-" + std::to_string(seq), types[rng() % 5]);
      clock[m] += static_cast<int64_t>(rng() % (kMsPerDay / 10));  // crosses a midnight now and then
      e.ts = clock[m];
      req.events.push_back(std::move(e));
    }
    store_->Append(std::move(req), [&](Status s) {
      if (!s.ok()) failed.fetch_add(1);
    });
    if (rng() % 8 == 0) {
      // A retry of a taken seq, queued behind the append that took it: Conflict, nothing counted.
      AppendRequest stale;
      stale.meeting_id = mid;
      stale.events.push_back(MakeEvent(heads[m], "stale-" + std::to_string(i), "vote_cast"));
      store_->Append(std::move(stale), [&](Status s) {
        if (s.code() == Status::Code::kConflict) conflicts.fetch_add(1);
      });
    }
    if (rng() % 50 == 0) {
      // A create that fails after writing (the meeting exists): rolled back to its savepoint.
      AppendRequest again = CreateRequest(mid);
      again.events[0].seq = heads[m] + 1;
      store_->Append(std::move(again), [](Status) {});
    }
  }
  store_->Flush();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_GT(conflicts.load(), 0);

  const Usage usage = Scan(*store_);
  EXPECT_EQ(usage, Recount(*store_));
  EXPECT_EQ(usage, GroupByOverEvents(path_));
  int64_t total = 0, days = 0;
  for (const auto& [key, n] : usage) total += n;
  for (int64_t d = 20054; d < 20064; ++d) days += Scan(*store_, d, d + 1).empty() ? 0 : 1;
  EXPECT_EQ(static_cast<uint64_t>(total), store_->Stats().events);
  EXPECT_GT(days, 2);  // the traffic did span midnights

  // Reopening (a new writer, an empty cache) keeps counting from where the file is.
  store_.reset();
  ASSERT_TRUE(SqliteStore::Open(path_, &store_).ok());
  AppendRequest more;
  more.meeting_id = "m0";
  more.events.push_back(MakeEvent(heads[0] + 1, "after-reopen", "card_added"));
  more.events.back().ts = clock[0];
  ASSERT_TRUE(AppendAndWait(*store_, std::move(more)).ok());
  EXPECT_EQ(Scan(*store_), Recount(*store_));
}

TEST_F(FeatureUsageTest, ScanKeepsToTheDayRangeInKeyOrderAndStopsWhenAsked) {
  ASSERT_TRUE(AppendAndWait(*store_, CreateRequest("m")).ok());
  AppendRequest req;
  req.meeting_id = "m";
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
  ASSERT_TRUE(store_->ScanFeatureUsage(kMin, kMax, [&](const FeatureUsage&) { return ++seen < 3; }).ok());
  EXPECT_EQ(seen, 3);
  EXPECT_TRUE(Scan(*store_, 14, 100).empty());
  EXPECT_TRUE(Scan(*store_, 12, 12).empty());
}

}  // namespace
}  // namespace confab::store
