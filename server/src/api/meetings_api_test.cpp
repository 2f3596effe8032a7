// The meetings routes driven through the Router over a real SQLite store: POST /api/meetings,
// GET /api/meetings/ID, GET /api/meetings/ID/events (JSON pages and NDJSON).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "api/api_test_support.hpp"
#include "store/test_support.hpp"
#include "util/crypto.hpp"

namespace confab::api {
namespace {

using nlohmann::json;
using testing::ApiFixture;
using testing::Header;

bool IsHex32(const std::string& s) {
  return std::regex_match(s, std::regex("[0-9a-f]{32}"));
}

json Body(const Response& r) {
  json j = json::parse(r.body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON: " << r.body;
  return j;
}

// Expects a JSON error answer with `status` and `code`.
void ExpectError(const Response& r, int status, const std::string& code, const std::string& what) {
  EXPECT_EQ(r.status, status) << what << ": " << r.body;
  EXPECT_EQ(r.content_type, "application/json") << what;
  EXPECT_EQ(Body(r).value("error", ""), code) << what << ": " << r.body;
}

class MeetingsApi : public ::testing::Test {
 protected:
  Response Post(const json& body) { return api_.Call("POST", "/api/meetings", body.dump()); }

  // Creates a meeting through the API and returns its 201 body.
  json Create(const json& body = {{"title", "Retro"}}) {
    Response r = Post(body);
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r);
  }

  // Appends events seq from..to (card_added by p_ada) straight to the store.
  void AppendEvents(const std::string& id, int64_t from, int64_t to) {
    store::AppendRequest req;
    req.meeting_id = id;
    for (int64_t seq = from; seq <= to; ++seq) {
      req.events.push_back(store::testing::MakeEvent(seq, "ev-" + std::to_string(seq)));
      req.events.back().meeting_id = id;
    }
    ASSERT_TRUE(store::testing::AppendAndWait(api_.store(), std::move(req)).ok());
  }

  std::vector<int64_t> Seqs(const json& page) {
    std::vector<int64_t> out;
    for (const auto& e : page["events"]) out.push_back(e["seq"].get<int64_t>());
    return out;
  }

  ApiFixture api_;
};

TEST_F(MeetingsApi, CreateAnswers201WithIdTokenAndUrl) {
  Response r = Post({{"title", "Sprint 12 retro"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.content_type, "application/json");
  json body = Body(r);
  ASSERT_TRUE(body["id"].is_string());
  ASSERT_TRUE(body["facilitator_token"].is_string());
  const std::string id = body["id"], token = body["facilitator_token"];
  EXPECT_TRUE(IsHex32(id)) << id;
  EXPECT_TRUE(IsHex32(token)) << token;
  EXPECT_NE(id, token);
  EXPECT_EQ(body["url"], "/m/" + id);
  EXPECT_EQ(Header(r, "Location"), "/api/meetings/" + id);
  EXPECT_EQ(body.size(), 3u) << body;

  // Durable, and only the hash of the token is stored.
  store::MeetingRecord record;
  ASSERT_TRUE(api_.store().GetMeeting(id, &record).ok());
  EXPECT_EQ(record.facilitator_token_hash, HashSecret(token));
  EXPECT_NE(record.facilitator_token_hash, token);
  std::vector<store::StoredEvent> events;
  ASSERT_TRUE(api_.store().ReadEvents(id, 0, 0, false, &events).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].seq, 1);
  EXPECT_EQ(events[0].type, "meeting_created");
  json created = json::parse(events[0].json);
  EXPECT_EQ(created["data"],
            (json{{"title", "Sprint 12 retro"}, {"votes_per_person", 3}, {"timebox_s", 300}}));
  EXPECT_EQ(created["actor"]["pid"], "system");
}

TEST_F(MeetingsApi, CreateTakesSettingsAndIdsDiffer) {
  json a = Create({{"title", "A"}, {"votes_per_person", 20}, {"timebox_s", 3600}});
  json b = Create({{"title", "B"}, {"votes_per_person", 1}, {"timebox_s", 30}});
  EXPECT_NE(a["id"], b["id"]);
  EXPECT_NE(a["facilitator_token"], b["facilitator_token"]);
  Response got = api_.Call("GET", "/api/meetings/" + a["id"].get<std::string>());
  EXPECT_EQ(Body(got)["settings"]["votes_per_person"], 20);
  EXPECT_EQ(Body(got)["settings"]["timebox_s"], 3600);
  // null means "the default".
  json c = Create({{"title", "C"}, {"votes_per_person", nullptr}});
  EXPECT_EQ(
      Body(api_.Call("GET", "/api/meetings/" + c["id"].get<std::string>()))["settings"]["votes_per_person"],
      3);
}

TEST_F(MeetingsApi, CreateRejectsBodiesThatAreNotObjects) {
  for (const std::string bad :
       {"", "not json", "{", "[]", "[{\"title\":\"x\"}]", "\"title\"", "42", "null"}) {
    Response r = api_.Call("POST", "/api/meetings", bad);
    ExpectError(r, 400, "invalid_payload", "body '" + bad + "'");
  }
}

TEST_F(MeetingsApi, CreateRequiresAStringTitle) {
  ExpectError(Post(json::object()), 400, "invalid_payload", "missing title");
  ExpectError(Post({{"title", 7}}), 400, "invalid_payload", "numeric title");
  ExpectError(Post({{"title", nullptr}}), 400, "invalid_payload", "null title");
  ExpectError(Post({{"title", json::array({"a"})}}), 400, "invalid_payload", "array title");
  ExpectError(Post({{"Title", "x"}}), 400, "invalid_payload", "wrong key case");
}

TEST_F(MeetingsApi, TitleLimitsAreTheDomainRules) {
  ExpectError(Post({{"title", ""}}), 400, "title_empty", "empty");
  ExpectError(Post({{"title", "  \t "}}), 400, "title_empty", "blank");
  ExpectError(Post({{"title", std::string(141, 'x')}}), 400, "title_too_long", "141 chars");
  EXPECT_EQ(Post({{"title", std::string(140, 'x')}}).status, 201);
  // Length counts code points: 140 × "é" (2 bytes each) is fine, 141 is not.
  std::string e140, e141;
  for (int i = 0; i < 140; ++i) e140 += "\xC3\xA9";
  e141 = e140 + "\xC3\xA9";
  EXPECT_EQ(Post({{"title", e140}}).status, 201);
  ExpectError(Post({{"title", e141}}), 400, "title_too_long", "141 code points");
}

TEST_F(MeetingsApi, SettingsOutOfRangeOrNotIntegersAre400) {
  const std::vector<std::pair<std::string, json>> bad = {
      {"votes_per_person", 0},
      {"votes_per_person", 21},
      {"votes_per_person", -1},
      {"votes_per_person", 2.5},
      {"votes_per_person", "3"},
      {"votes_per_person", true},
      {"timebox_s", 29},
      {"timebox_s", 3601},
      {"timebox_s", "300"},
      {"timebox_s", 1e300},
      {"votes_per_person", 18446744073709551615ull},
  };
  for (const auto& [key, value] : bad) {
    ExpectError(Post({{"title", "t"}, {key, value}}), 400, "invalid_payload", key + "=" + value.dump());
  }
  EXPECT_EQ(Post({{"title", "t"}, {"votes_per_person", 1}, {"timebox_s", 30}}).status, 201);
}

TEST_F(MeetingsApi, RejectedCreateWritesNothing) {
  Post({{"title", ""}});
  Post({{"title", "t"}, {"timebox_s", 1}});
  std::vector<store::MeetingRecord> all;
  ASSERT_TRUE(api_.store().ListMeetings(&all).ok());
  EXPECT_TRUE(all.empty());
}

TEST_F(MeetingsApi, GetMeetingShape) {
  json created = Create({{"title", "Planning"}, {"votes_per_person", 5}});
  const std::string id = created["id"];
  Response r = api_.Call("GET", "/api/meetings/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  json m = Body(r);
  EXPECT_EQ(m["id"], id);
  EXPECT_EQ(m["title"], "Planning");
  EXPECT_EQ(m["phase"], "collect");
  EXPECT_EQ(m["head_seq"], 1);
  EXPECT_TRUE(m["created_ts"].is_number_integer());
  EXPECT_GT(m["created_ts"].get<int64_t>(), 1700000000000);
  EXPECT_TRUE(m["participants"].is_array());
  EXPECT_TRUE(m["participants"].empty());
  EXPECT_EQ(m["settings"]["votes_per_person"], 5);
  EXPECT_EQ(m["online"], 0);
  // The facilitator token is never handed out again.
  EXPECT_EQ(r.body.find(created["facilitator_token"].get<std::string>()), std::string::npos);
}

TEST_F(MeetingsApi, GetUnknownMeetingIs404) {
  ExpectError(api_.Call("GET", "/api/meetings/" + std::string(32, '0')), 404, "not_found", "unknown");
  ExpectError(api_.Call("GET", "/api/meetings/%00"), 404, "not_found", "NUL id");
  ExpectError(api_.Call("GET", "/api/meetings/" + std::string(5000, 'a')), 404, "not_found", "long id");
  ExpectError(api_.Call("GET", "/api/meetings/x/events"), 404, "not_found", "events of unknown");
}

TEST_F(MeetingsApi, EventsFirstPageIsMeetingCreated) {
  const std::string id = Create({{"title", "Events"}})["id"];
  Response r = api_.Call("GET", "/api/meetings/" + id + "/events");
  ASSERT_EQ(r.status, 200);
  json page = Body(r);
  EXPECT_EQ(page["head_seq"], 1);
  ASSERT_EQ(page["events"].size(), 1u);
  const json& e = page["events"][0];
  EXPECT_EQ(e["seq"], 1);
  EXPECT_EQ(e["type"], "meeting_created");
  EXPECT_EQ(e["data"]["title"], "Events");
  EXPECT_TRUE(e.contains("id") && e.contains("ts") && e.contains("actor"));
}

TEST_F(MeetingsApi, EventsPagingWithAfterAndLimit) {
  const std::string id = Create()["id"];
  AppendEvents(id, 2, 9);
  auto page = [&](const std::string& q) {
    return Body(api_.Call("GET", "/api/meetings/" + id + "/events?" + q));
  };
  EXPECT_EQ(Seqs(page("")), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(Seqs(page("after=2&limit=3")), (std::vector<int64_t>{3, 4, 5}));
  EXPECT_EQ(Seqs(page("limit=2")), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(Seqs(page("after=8")), (std::vector<int64_t>{9}));
  EXPECT_TRUE(Seqs(page("after=9")).empty());
  EXPECT_TRUE(Seqs(page("after=1000")).empty());
  EXPECT_EQ(page("after=1000")["head_seq"], 9);
  EXPECT_EQ(page("after=5")["head_seq"], 9);
  // A limit over the page cap is capped, not refused.
  EXPECT_EQ(Seqs(page("limit=99999999")).size(), 9u);
  EXPECT_EQ(Seqs(page("format=json&after=7")), (std::vector<int64_t>{8, 9}));
  // Walking pages reaches every event once.
  std::vector<int64_t> all;
  int64_t after = 0;
  for (int guard = 0; guard < 20; ++guard) {
    auto seqs = Seqs(page("limit=4&after=" + std::to_string(after)));
    if (seqs.empty()) break;
    all.insert(all.end(), seqs.begin(), seqs.end());
    after = seqs.back();
  }
  EXPECT_EQ(all, (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

TEST_F(MeetingsApi, EventsBadParametersAre400) {
  const std::string id = Create()["id"];
  for (const std::string q : {"after=-1", "after=abc", "after=", "after=1.5", "after=1e3", "after=%201",
                              "after=99999999999999999999", "limit=0", "limit=-5", "limit=x",
                              "limit=", "format=xml", "format=NDJSON"}) {
    ExpectError(api_.Call("GET", "/api/meetings/" + id + "/events?" + q), 400, "invalid_payload", q);
  }
}

TEST_F(MeetingsApi, EventsAsNdjson) {
  const std::string id = Create()["id"];
  AppendEvents(id, 2, 5);
  Response r = api_.Call("GET", "/api/meetings/" + id + "/events?format=ndjson&after=2&limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  ASSERT_FALSE(r.body.empty());
  EXPECT_EQ(r.body.back(), '\n');
  std::istringstream lines(r.body);
  std::vector<int64_t> seqs;
  for (std::string line; std::getline(lines, line);) {
    json e = json::parse(line, nullptr, false);
    ASSERT_FALSE(e.is_discarded()) << line;
    seqs.push_back(e["seq"]);
  }
  // NDJSON streams everything after `after`; `limit` is for JSON pages.
  EXPECT_EQ(seqs, (std::vector<int64_t>{3, 4, 5}));

  Response none = api_.Call("GET", "/api/meetings/" + id + "/events?format=ndjson&after=5");
  EXPECT_EQ(none.status, 200);
  EXPECT_EQ(none.body, "");
  ExpectError(api_.Call("GET", "/api/meetings/nope/events?format=ndjson"), 404, "not_found", "unknown");
}

TEST_F(MeetingsApi, HeadIsAnsweredLikeGet) {
  const std::string id = Create()["id"];
  Response get = api_.Call("GET", "/api/meetings/" + id);
  Response head = api_.Call("HEAD", "/api/meetings/" + id);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.body.size(), get.body.size());  // the session strips the body, keeping its length
}

TEST_F(MeetingsApi, WrongMethodsAre405) {
  const std::string id = Create()["id"];
  ExpectError(api_.Call("GET", "/api/meetings"), 405, "method_not_allowed", "GET collection");
  ExpectError(api_.Call("DELETE", "/api/meetings/" + id), 405, "method_not_allowed", "DELETE");
  ExpectError(api_.Call("POST", "/api/meetings/" + id + "/events", "{}"), 405, "method_not_allowed",
              "POST events");
}

TEST_F(MeetingsApi, NdjsonIsStreamedInBoundedChunksThatMakeTheWholeLog) {
  const std::string id = Create()["id"];
  // Enough events, each with a sizeable payload, for the export to need many chunks.
  store::AppendRequest req;
  req.meeting_id = id;
  for (int64_t seq = 2; seq <= 3001; ++seq) {
    store::StoredEvent e = store::testing::MakeEvent(seq, "ev-" + std::to_string(seq));
    e.meeting_id = id;
    json j = json::parse(e.json);
    j["data"] = {{"text", std::string(200, 'a' + seq % 26)}};
    e.json = j.dump();
    req.events.push_back(std::move(e));
  }
  ASSERT_TRUE(store::testing::AppendAndWait(api_.store(), std::move(req)).ok());
  std::string expected;
  ASSERT_TRUE(api_.store()
                  .ScanEvents(id, 0,
                              [&](const store::StoredEvent& e) {
                                expected += e.json;
                                expected += '\n';
                                return true;
                              })
                  .ok());
  ASSERT_GT(expected.size(), size_t{600} << 10);

  Response r = api_.Call("GET", "/api/meetings/" + id + "/events?format=ndjson");
  ASSERT_EQ(r.status, 200) << r.body.substr(0, 200);
  EXPECT_EQ(r.content_type, "application/x-ndjson");
  EXPECT_TRUE(r.body == expected) << "streamed " << r.body.size() << " bytes, expected " << expected.size();
  const auto& chunks = api_.last_chunk_sizes();
  EXPECT_GT(chunks.size(), 4u);
  for (size_t n : chunks) EXPECT_LE(n, size_t{128} << 10) << "a chunk must stay small; memory stays flat";
}

TEST_F(MeetingsApi, HealthzAndMetrics) {
  Response health = api_.Call("GET", "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(
      Body(health),
      (json{
          {"status", "ok"}, {"store", "ok"}, {"writer", "ok"}, {"last_error", nullptr}, {"since", nullptr}}));

  Create();
  Response metrics = api_.Call("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type.rfind("text/plain", 0), 0u) << metrics.content_type;
  for (const char* name :
       {"confab_connections_open", "confab_joins_total", "confab_pushes_total", "confab_rooms_loaded",
        "confab_store_commits_total", "confab_store_appends_total", "confab_store_events_total",
        "confab_store_failed_appends_total", "confab_store_max_batch_events", "confab_store_cached_meetings",
        "confab_store_writer_healthy", "confab_blocking_on_io_thread_total"}) {
    EXPECT_NE(metrics.body.find(std::string("\n# TYPE ") + name + " "), std::string::npos) << name;
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(metrics.body, m, std::regex("\nconfab_store_appends_total (\\d+)\n")));
  EXPECT_GE(std::stoll(m[1]), 1);
  EXPECT_NE(metrics.body.find("\nconfab_store_writer_healthy 1\n"), std::string::npos);
  EXPECT_NE(metrics.body.find("\nconfab_blocking_on_io_thread_total 0\n"), std::string::npos);
}

}  // namespace
}  // namespace confab::api
