// The views over the log: analytics, audit, summary, features, state at a point in time.
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>

#include "api/router.hpp"
#include "api/services.hpp"
#include "api/status_response.hpp"
#include "domain/meeting.hpp"
#include "views/queries.hpp"
#include "views/time_text.hpp"

namespace confab::api {
namespace {

std::string QueryValue(const Request& req, const char* key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

Response JsonOr(const Status& s, const nlohmann::json& body) {
  return s.ok() ? Response::Json(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
                : ErrorFor(s);
}

void Analytics(Services& svc, Request& req, const Respond& respond) {
  nlohmann::json out;
  Status s = views::MeetingAnalyticsJson(svc.views, svc.store, req.params[0], &out);
  respond(JsonOr(s, out));
}

void Audit(Services& svc, Request& req, const Respond& respond) {
  views::AuditFilter filter{QueryValue(req, "actor"), QueryValue(req, "type")};
  std::string format = QueryValue(req, "format");
  if (format == "csv") {
    Response r;
    Status s = views::AuditCsv(svc.store, req.params[0], filter, &r.body);
    if (!s.ok()) {
      respond(ErrorFor(s));
      return;
    }
    r.content_type = "text/csv; charset=utf-8";
    r.headers.emplace_back("Content-Disposition",
                           "attachment; filename=\"confab-audit-" + req.params[0] + ".csv\"");
    respond(std::move(r));
    return;
  }
  if (!format.empty() && format != "json") {
    respond(Response::Error(400, "invalid_payload", "format is json or csv"));
    return;
  }
  nlohmann::json out;
  Status s = views::AuditJson(svc.store, req.params[0], filter, &out);
  respond(JsonOr(s, out));
}

void Summary(Services& svc, Request& req, const Respond& respond) {
  Response r;
  Status s = views::SummaryMarkdown(svc.store, req.params[0], &r.body);
  if (!s.ok()) {
    respond(ErrorFor(s));
    return;
  }
  r.content_type = "text/markdown; charset=utf-8";
  respond(std::move(r));
}

void Features(Services& svc, Request& req, const Respond& respond) {
  nlohmann::json out;
  Status s = views::FeaturesJson(svc.views, QueryValue(req, "from"), QueryValue(req, "to"), &out);
  respond(JsonOr(s, out));
}

// GET /api/meetings/ID/state?seq=K | ?at=TIME: the log folded up to seq K (at most the head), or up
// to the last event with ts <= TIME; neither means now. Folded from the store on each request: the
// room holds only the present, and a past state is asked for rarely (time travel in the UI, support).
void StateAt(Services& svc, Request& req, const Respond& respond) {
  const std::string seq_text = QueryValue(req, "seq"), at_text = QueryValue(req, "at");
  if (!seq_text.empty() && !at_text.empty()) {
    respond(Response::Error(400, "invalid_payload", "give seq or at, not both"));
    return;
  }
  const std::string& id = req.params[0];
  int64_t head = 0;
  if (Status s = svc.store.HeadSeq(id, &head); !s.ok()) {
    respond(ErrorFor(s));
    return;
  }
  int64_t max_seq = head;
  std::optional<int64_t> max_ts;
  if (!seq_text.empty()) {
    auto [p, ec] = std::from_chars(seq_text.data(), seq_text.data() + seq_text.size(), max_seq);
    if (ec != std::errc() || p != seq_text.data() + seq_text.size() || max_seq < 0) {
      respond(Response::Error(400, "invalid_payload", "seq must be a non-negative integer"));
      return;
    }
    if (max_seq > head) {
      respond(Response::Error(400, "invalid_payload", "seq is after head_seq " + std::to_string(head)));
      return;
    }
  }
  if (!at_text.empty()) {
    int64_t ms = 0;
    if (Status s = views::ParseTimeBound(at_text, /*end_of_day=*/false, &ms); !s.ok()) {
      respond(Response::Error(400, "invalid_payload", "at: " + s.message()));
      return;
    }
    max_ts = ms;
  }
  domain::Meeting meeting;
  int64_t seq = 0, ts = 0;
  Status s = svc.store.ScanEvents(id, 0, [&](const store::StoredEvent& e) {
    if (e.seq > max_seq || (max_ts && e.ts > *max_ts)) return false;
    nlohmann::json parsed = nlohmann::json::parse(e.json, nullptr, false);
    if (!parsed.is_discarded()) domain::Apply(meeting, parsed);
    seq = e.seq;
    ts = e.ts;
    return true;
  });
  if (!s.ok()) {
    respond(ErrorFor(s));
    return;
  }
  nlohmann::json out = {{"seq", seq}, {"ts", ts}, {"head_seq", head}, {"state", domain::ToJson(meeting)}};
  respond(JsonOr(Status::Ok(), out));
}

}  // namespace

void AddViewRoutes(Router& router, Services& svc) {
  router.Add("GET", "/api/meetings/:id/analytics", [&svc](Request& r, Respond d) { Analytics(svc, r, d); });
  router.Add("GET", "/api/meetings/:id/audit", [&svc](Request& r, Respond d) { Audit(svc, r, d); });
  router.Add("GET", "/api/meetings/:id/summary.md", [&svc](Request& r, Respond d) { Summary(svc, r, d); });
  router.Add("GET", "/api/meetings/:id/state", [&svc](Request& r, Respond d) { StateAt(svc, r, d); });
  router.Add("GET", "/api/analytics/features", [&svc](Request& r, Respond d) { Features(svc, r, d); });
}

}  // namespace confab::api
