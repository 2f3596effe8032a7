// POST /api/meetings, GET /api/meetings/ID, GET /api/meetings/ID/events.
#include <algorithm>
#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "api/read_then_respond.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "api/status_response.hpp"
#include "domain/meeting.hpp"
#include "rooms/room.hpp"
#include "rooms/room_registry.hpp"
#include "store/store.hpp"
#include "util/crypto.hpp"
#include "util/keyed_buckets.hpp"
#include "views/streams.hpp"
#include "views/view_hub.hpp"

namespace confab::api {
namespace {

using nlohmann::json;

constexpr int64_t kDefaultVotes = 3;
constexpr int64_t kDefaultTimeboxS = 300;
constexpr size_t kDefaultPageSize = 1000;
constexpr size_t kMaxPageSize = 10000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// An optional integer field within [lo, hi]; false when present but not such an integer.
bool IntField(const json& body, const char* key, int64_t lo, int64_t hi, int64_t* out) {
  auto it = body.find(key);
  if (it == body.end() || it->is_null()) return true;
  if (!it->is_number_integer()) return false;
  int64_t v = it->get<int64_t>();
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool ParseCount(const std::map<std::string, std::string>& query, const char* key, int64_t* out) {
  auto it = query.find(key);
  if (it == query.end()) return true;
  const std::string& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0;
}

void CreateMeeting(Services& svc, Request& req, Respond respond) {
  json body = json::parse(req.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    respond(Response::Error(400, "invalid_payload", "body must be a JSON object"));
    return;
  }
  auto title_it = body.find("title");
  if (title_it == body.end() || !title_it->is_string()) {
    respond(Response::Error(400, "invalid_payload", "title is required"));
    return;
  }
  int64_t votes = kDefaultVotes, timebox = kDefaultTimeboxS;
  if (!IntField(body, "votes_per_person", 1, 20, &votes) ||
      !IntField(body, "timebox_s", 30, 3600, &timebox)) {
    respond(Response::Error(400, "invalid_payload", "votes_per_person 1-20, timebox_s 30-3600"));
    return;
  }
  const std::string title = title_it->get<std::string>();
  // The same rule as meeting_renamed, so the domain is the one place that knows title limits.
  json rename = {{"title", title}};
  domain::Meeting scratch;
  domain::Actor system{"system", "Confab", domain::Role::kFacilitator};
  scratch.participants["system"].name = "Confab";
  if (auto reason = domain::Validate(scratch, system, "meeting_renamed", rename)) {
    respond(Response::Error(400, *reason));
    return;
  }

  // Checked once the request is known to be valid: only creations count (issue 12: one address created
  // 269,290 meetings in a minute).
  if (svc.meeting_creations) {
    const KeyedBuckets::Verdict v = svc.meeting_creations->Take(req.client_address);
    if (!v.allowed) {
      Response r =
          Response::Error(429, "rate_limited", "too many meetings created from this address; retry later");
      r.headers.emplace_back("Retry-After", std::to_string(v.retry_after.count()));
      respond(std::move(r));
      return;
    }
  }

  const std::string id = RandomHex(16);
  const std::string token = RandomHex(16);
  const int64_t now = NowMs();
  json event = {{"seq", 1},
                {"id", RandomUuid()},
                {"type", "meeting_created"},
                {"actor", {{"pid", "system"}, {"name", "Confab"}}},
                {"ts", now},
                {"data", {{"title", title}, {"votes_per_person", votes}, {"timebox_s", timebox}}}};
  store::AppendRequest append;
  append.meeting_id = id;
  append.create = store::MeetingRecord{id, HashSecret(token), now};
  store::StoredEvent created{
      id, 1, event["id"].get<std::string>(), "meeting_created", "system", now, true, event.dump()};
  append.events.push_back(created);
  // The callback runs on the store's writer thread: it must be quick, and may answer from there.
  svc.store.Append(std::move(append), [&svc, id, token, respond = std::move(respond),
                                       created = std::move(created), event = std::move(event)](Status s) {
    if (!s.ok()) {
      respond(ErrorFor(s));
      return;
    }
    // The views see every committed event, this first one included (rooms feed them the rest). It
    // happens before the 201 leaves, so it precedes anything a client does with the new meeting.
    svc.views.OnCommitted(created, event);
    json reply = {{"id", id}, {"facilitator_token", token}, {"url", "/m/" + id}};
    Response r = Response::Json(201, reply.dump());
    r.headers.emplace_back("Location", "/api/meetings/" + id);
    respond(std::move(r));
  });
}

// Runs on the room's own thread, the only place its state may be read.
std::string MeetingJson(const std::string& id, const rooms::Room& room) {
  const domain::Meeting& m = room.state();
  json state = domain::ToJson(m);
  json participants = json::array();
  for (auto& [pid, p] : state["participants"].items()) {
    participants.push_back({{"pid", pid}, {"name", p.value("name", "")}});
  }
  // created_ts is the meeting_created event's ts, which is the meeting record's created_ts: taking
  // it from the state spares a store read.
  json reply = {{"id", id},
                {"title", state.value("title", "")},
                {"phase", state.value("phase", "collect")},
                {"head_seq", room.head_seq()},
                {"created_ts", m.created_ts},
                {"participants", participants},
                {"settings", state["settings"]},
                {"online", room.subscriber_count()}};
  return reply.dump();
}

void GetMeeting(Services& svc, Request& req, Respond respond) {
  std::string id = req.params[0];
  svc.rooms.Get(id, [id, respond = std::move(respond)](Status s, std::shared_ptr<rooms::Room> room) {
    if (!s.ok()) {
      respond(ErrorFor(s));
      return;
    }
    respond(Response::Json(200, MeetingJson(id, *room)));
  });
}

// Blocking: runs on the reader pool.
Response EventsPage(store::Store& st, const std::string& id, int64_t after, size_t page) {
  int64_t head = 0;
  if (Status s = st.HeadSeq(id, &head); !s.ok()) return ErrorFor(s);
  std::vector<store::StoredEvent> events;
  if (Status s = st.ReadEvents(id, after, page, false, &events); !s.ok()) return ErrorFor(s);
  // The stored JSON texts are spliced in as they are: no parse, no re-encode.
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) {
    if (i) body += ',';
    body += events[i].json;
  }
  body += "],\"head_seq\":" + std::to_string(head) + "}";
  return Response::Json(200, std::move(body));
}

// Blocking (opens the export; the session pulls its chunks on the reader pool too).
Response EventsNdjson(store::Store& st, const std::string& id, int64_t after) {
  std::unique_ptr<ChunkSource> source;
  if (Status s = views::OpenEventsNdjson(st, id, after, &source); !s.ok()) return ErrorFor(s);
  return Response::Stream("application/x-ndjson", std::move(source));
}

void GetEvents(Services& svc, Request& req, Respond respond) {
  int64_t after = 0, limit = kDefaultPageSize;
  if (!ParseCount(req.query, "after", &after) || !ParseCount(req.query, "limit", &limit) || limit == 0) {
    respond(
        Response::Error(400, "invalid_payload", "after and limit must be non-negative integers, limit > 0"));
    return;
  }
  auto format = req.query.find("format");
  const std::string fmt = format == req.query.end() ? "json" : format->second;
  if (fmt != "json" && fmt != "ndjson") {
    respond(Response::Error(400, "invalid_payload", "format is json or ndjson"));
    return;
  }
  const size_t page = static_cast<size_t>(std::min<int64_t>(limit, kMaxPageSize));
  ReadThenRespond(svc, req, std::move(respond), [id = req.params[0], after, page, fmt](store::Store& st) {
    return fmt == "ndjson" ? EventsNdjson(st, id, after) : EventsPage(st, id, after, page);
  });
}

}  // namespace

void AddMeetingRoutes(Router& router, Services& svc) {
  router.Add("POST", "/api/meetings", [&svc](Request& r, Respond d) { CreateMeeting(svc, r, std::move(d)); });
  router.Add("GET", "/api/meetings/:id", [&svc](Request& r, Respond d) { GetMeeting(svc, r, std::move(d)); });
  router.Add("GET", "/api/meetings/:id/events",
             [&svc](Request& r, Respond d) { GetEvents(svc, r, std::move(d)); });
}

}  // namespace confab::api
