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

}  // namespace
}  // namespace confab::store
