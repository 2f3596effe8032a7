// export / import / check: the operator's view of the event log.
#include "cli/log_commands.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"
#include "util/crypto.hpp"

namespace confab::cli {
namespace {

using nlohmann::json;
using store::testing::AppendAndWait;
using store::testing::MakeEvent;
using store::testing::TempDir;

std::string Line(int64_t seq, const std::string& type, json data = json::object(),
                 const std::string& id = "") {
  return json{{"seq", seq},
              {"id", id.empty() ? "ev" + std::to_string(seq) : id},
              {"type", type},
              {"actor", {{"pid", "p_ada"}, {"name", "Ada"}}},
              {"ts", 1732770000000 + seq},
              {"data", data}}
      .dump();
}

// A small, valid export: meeting created, a participant, a card, a vote, a reaction (moment).
std::string SampleExport() {
  return Line(1, "meeting_created", {{"title", "Retro"}, {"votes_per_person", 3}, {"timebox_s", 300}}) +
         "\n" + Line(2, "participant_joined", {{"name", "Ada"}}) + "\n" +
         Line(3, "card_added", {{"card_id", "k1"}, {"title", "CI"}}) + "\n" +
         Line(4, "phase_changed", {{"phase", "vote"}}) + "\n" + Line(5, "reaction", {{"emoji", "👍"}}) + "\n";
}

class LogCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(store::SqliteStore::Open(path_, &store_).ok()); }

  int Import(const std::string& input, std::optional<std::string> id = std::nullopt) {
    std::istringstream in(input);
    out_.str("");
    err_.str("");
    return ImportMeeting(*store_, in, std::move(id), out_, err_);
  }
  int Export(const std::string& id) {
    out_.str("");
    err_.str("");
    return ExportMeeting(*store_, id, out_, err_);
  }
  int Check() {
    out_.str("");
    err_.str("");
    return CheckStore(*store_, out_, err_);
  }
  // Runs raw SQL on the file behind the store's back, as disk corruption or a bad tool would.
  void Corrupt(const std::string& sql) {
    store_->Flush();
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &raw), SQLITE_OK);
    char* msg = nullptr;
    EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, &msg), SQLITE_OK) << (msg ? msg : "");
    sqlite3_free(msg);
    sqlite3_close(raw);
  }
  int64_t EventCount() {
    int64_t n = 0;
    EXPECT_TRUE(store_->ScanAll([&](const store::StoredEvent&) { return ++n > 0; }).ok());
    return n;
  }

  TempDir dir_;
  std::string path_ = dir_.File("log.db");
  std::unique_ptr<store::SqliteStore> store_;
  std::ostringstream out_, err_;
};

TEST_F(LogCommandsTest, ImportThenExportRoundTripsByteForByte) {
  ASSERT_EQ(Import(SampleExport(), "retro-1"), 0) << err_.str();
  json result = json::parse(out_.str());
  EXPECT_EQ(result["id"], "retro-1");
  EXPECT_EQ(result["events"], 5);
  const std::string token = result["facilitator_token"];
  EXPECT_EQ(token.size(), 32u);

  store::MeetingRecord m;
  ASSERT_TRUE(store_->GetMeeting("retro-1", &m).ok());
  EXPECT_EQ(m.facilitator_token_hash, HashSecret(token));  // only the hash is stored
  EXPECT_EQ(m.created_ts, 1732770000001);
  std::vector<store::StoredEvent> replayed;
  ASSERT_TRUE(store_->ReadEvents("retro-1", 0, 0, true, &replayed).ok());
  EXPECT_EQ(replayed.size(), 4u);  // the reaction is a moment: stored, not replayed

  ASSERT_EQ(Export("retro-1"), 0) << err_.str();
  EXPECT_EQ(out_.str(), SampleExport());
}

TEST_F(LogCommandsTest, ImportWithoutIdGeneratesAFresh128BitId) {
  ASSERT_EQ(Import(SampleExport()), 0) << err_.str();
  const std::string first = json::parse(out_.str())["id"];
  EXPECT_EQ(first.size(), 32u);
  ASSERT_EQ(Import(SampleExport()), 0) << err_.str();
  const std::string second = json::parse(out_.str())["id"];
  EXPECT_NE(first, second);
  int64_t head = 0;
  ASSERT_TRUE(store_->HeadSeq(second, &head).ok());
  EXPECT_EQ(head, 5);
}

TEST_F(LogCommandsTest, ImportRefusesAnExistingMeeting) {
  ASSERT_EQ(Import(SampleExport(), "dup"), 0);
  EXPECT_EQ(Import(SampleExport(), "dup"), 1);
  EXPECT_NE(err_.str().find("already exists"), std::string::npos) << err_.str();
  EXPECT_EQ(EventCount(), 5);
}

TEST_F(LogCommandsTest, ImportReportsTheFirstBadLineAndWritesNothing) {
  struct Case {
    std::string input;
    int line;
    std::string reason;
  };
  const std::string ok1 = Line(1, "meeting_created") + "\n";
  const std::vector<Case> cases = {
      {ok1 + "{not json\n", 2, "not valid JSON"},
      {ok1 + "[1,2]\n", 2, "not a JSON object"},
      {ok1 + Line(3, "card_added") + "\n", 2, "seq 3 where 2"},
      {ok1 + Line(2, "card_added", json::object(), "ev1") + "\n", 2, "duplicate event id"},
      {ok1 + Line(2, "no_such_type") + "\n", 2, "unknown event type"},
      {ok1 + Line(2, "typing") + "\n", 2, "never stored"},
      {Line(1, "card_added") + "\n", 1, "first event must be meeting_created"},
      {ok1 + "\n" + R"({"seq":2,"id":"x","type":"card_added","actor":{"pid":"p","name":"A"},"ts":1})" + "\n",
       3, "missing field \"data\""},
      {ok1 +
           R"({"seq":2,"id":"x","type":"card_added","actor":{"pid":"p","name":"A"},"ts":1,"data":{},"x":1})" +
           "\n",
       2, "unknown field \"x\""},
      {ok1 + R"({"seq":2,"id":"x","type":"card_added","actor":{"pid":1,"name":"A"},"ts":1,"data":{}})" + "\n",
       2, "actor.pid"},
      {ok1 + R"({"seq":"2","id":"x","type":"card_added","actor":{"pid":"p","name":"A"},"ts":1,"data":{}})" +
           "\n",
       2, "seq is not an integer"},
      {ok1 + R"({"seq":2,"id":"x","type":"card_added","actor":{"pid":"p","name":"A"},"ts":1,"data":[]})" +
           "\n",
       2, "data is not an object"},
      {"", 0, "no events"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Import(c.input, "bad"), 1) << c.input;
    if (c.line > 0) {
      EXPECT_NE(err_.str().find("line " + std::to_string(c.line) + ":"), std::string::npos) << err_.str();
    }
    EXPECT_NE(err_.str().find(c.reason), std::string::npos) << err_.str();
    EXPECT_TRUE(out_.str().empty());
  }
  store::MeetingRecord m;
  EXPECT_EQ(store_->GetMeeting("bad", &m).code(), Status::Code::kNotFound);
  EXPECT_EQ(EventCount(), 0);
}

TEST_F(LogCommandsTest, ImportRejectsAnUnsafeMeetingId) {
  EXPECT_EQ(Import(SampleExport(), "../etc"), 1);
  EXPECT_NE(err_.str().find("invalid meeting id"), std::string::npos);
  EXPECT_EQ(Import(SampleExport(), ""), 1);
}

TEST_F(LogCommandsTest, ImportAcceptsCrlfAndBlankLines) {
  std::string input = Line(1, "meeting_created") + "\r\n\r\n" + Line(2, "card_added") + "\r\n";
  ASSERT_EQ(Import(input, "crlf"), 0) << err_.str();
  ASSERT_EQ(Export("crlf"), 0);
  EXPECT_EQ(out_.str(), Line(1, "meeting_created") + "\n" + Line(2, "card_added") + "\n");
}

// A streambuf that counts flushes: the export flushes once per chunk, not once at the end.
class FlushCountingBuf : public std::stringbuf {
 public:
  int flushes = 0;

 protected:
  int sync() override {
    ++flushes;
    return std::stringbuf::sync();
  }
};

TEST_F(LogCommandsTest, ExportOfALongMeetingStreamsExactlyTheLog) {
  std::string input =
      Line(1, "meeting_created", {{"title", "Long"}, {"votes_per_person", 3}, {"timebox_s", 300}}) + "\n";
  for (int64_t seq = 2; seq <= 3000; ++seq) {
    input += Line(seq, "card_added",
                  {{"card_id", "k" + std::to_string(seq)}, {"title", "Topic " + std::string(80, 'x')}}) +
             "\n";
  }
  ASSERT_EQ(Import(input, "long"), 0) << err_.str();
  FlushCountingBuf buf;
  std::ostream out(&buf);
  std::ostringstream err;
  ASSERT_EQ(ExportMeeting(*store_, "long", out, err), 0) << err.str();
  EXPECT_EQ(buf.str(), input);
  EXPECT_GT(buf.flushes, 4);  // ~400 KiB in chunks of at most 64 KiB
}

TEST_F(LogCommandsTest, ExportOfAnUnknownMeetingFails) {
  EXPECT_EQ(Export("nope"), 1);
  EXPECT_NE(err_.str().find("no such meeting: nope"), std::string::npos) << err_.str();
  EXPECT_TRUE(out_.str().empty());
}

TEST_F(LogCommandsTest, CheckPassesACleanStore) {
  ASSERT_EQ(Import(SampleExport(), "a"), 0);
  ASSERT_EQ(Import(SampleExport(), "b"), 0);
  EXPECT_EQ(Check(), 0) << out_.str();
  EXPECT_EQ(out_.str(), "checked 2 meetings, 10 events: 0 problems\n");
}

TEST_F(LogCommandsTest, CheckFindsGapsMismatchesAndOrphans) {
  ASSERT_EQ(Import(SampleExport(), "a"), 0);
  ASSERT_EQ(Import(SampleExport(), "b"), 0);
  Corrupt(
      "DELETE FROM events WHERE meeting_id = 'a' AND seq = 3;"
      "UPDATE events SET json = 'garbage' WHERE meeting_id = 'b' AND seq = 2;"
      "UPDATE events SET id = 'other' WHERE meeting_id = 'b' AND seq = 4;"
      "INSERT INTO events VALUES ('ghost', 1, 'g1', 'meeting_created', 'p', 0, 1, '{}');");
  EXPECT_EQ(Check(), 1);
  const std::string report = out_.str();
  EXPECT_NE(report.find("meeting a seq 4: expected seq 3"), std::string::npos) << report;
  EXPECT_NE(report.find("meeting b seq 2: stored json is not a JSON object"), std::string::npos) << report;
  EXPECT_NE(report.find("meeting b seq 4: json id \"ev4\" differs from column \"other\""), std::string::npos)
      << report;
  EXPECT_NE(report.find("meeting ghost: has events but no meetings row"), std::string::npos) << report;
  EXPECT_NE(report.find("checked 2 meetings, 10 events:"), std::string::npos) << report;
  EXPECT_EQ(report.substr(report.rfind("events: ")), "events: 8 problems\n") << report;
}

TEST_F(LogCommandsTest, CheckReportsSeqsAndIdsStoredTwice) {
  ASSERT_EQ(Import(SampleExport(), "a"), 0);
  ASSERT_EQ(Import(SampleExport(), "b"), 0);
  // Schema v4's unique indexes refuse these rows; with them dropped by hand, as an old binary or a
  // bad tool might leave a file, the table takes them and check must say so.
  Corrupt(
      "DROP INDEX events_meeting_seq; DROP INDEX events_meeting_event_id;"
      "INSERT INTO events VALUES ('a', 3, 'twin', 'card_added', 'p_ada', 0, 1, '{}');"
      "INSERT INTO events VALUES ('b', 6, 'ev2', 'card_added', 'p_ada', 0, 1, '{}');");
  EXPECT_EQ(Check(), 1);
  const std::string report = out_.str();
  EXPECT_NE(report.find("meeting a: seq 3 is stored 2 times"), std::string::npos) << report;
  EXPECT_NE(report.find("meeting b: event id \"ev2\" is stored 2 times"), std::string::npos) << report;
  EXPECT_EQ(report.find("meeting b: seq"), std::string::npos) << report;
  EXPECT_EQ(report.find("meeting a: event id"), std::string::npos) << report;

  // Also once the writer's deferred index has taken the tail in (it keeps the first row of a key
  // and the reads no longer return the second): the table is asked, not the index.
  Corrupt(
      "UPDATE index_state SET indexed_through = 0; DELETE FROM event_index;"
      "INSERT OR IGNORE INTO event_index SELECT meeting_id, seq, id, rowid FROM events ORDER BY rowid;"
      "UPDATE index_state SET indexed_through = (SELECT MAX(rowid) FROM events);");
  EXPECT_EQ(Check(), 1);
  EXPECT_NE(out_.str().find("meeting a: seq 3 is stored 2 times"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("meeting b: event id \"ev2\" is stored 2 times"), std::string::npos)
      << out_.str();
}

}  // namespace
}  // namespace confab::cli
