// The views over the log: analytics, audit, summary, features, state at a point in time.
#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "api/services.hpp"
#include "api/status_response.hpp"
#include "views/queries.hpp"
#include "views/state_at.hpp"

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

// GET /api/meetings/ID/state?seq=K | ?at=TIME (views/state_at.hpp: snapshots, bounded memory).
void PastState(Services& svc, Request& req, const Respond& respond) {
  nlohmann::json out;
  Status s =
      views::StateAtQuery(svc.store, req.params[0], QueryValue(req, "seq"), QueryValue(req, "at"), &out);
  respond(JsonOr(s, out));
}

}  // namespace

void AddViewRoutes(Router& router, Services& svc) {
  router.Add("GET", "/api/meetings/:id/analytics", [&svc](Request& r, Respond d) { Analytics(svc, r, d); });
  router.Add("GET", "/api/meetings/:id/audit", [&svc](Request& r, Respond d) { Audit(svc, r, d); });
  router.Add("GET", "/api/meetings/:id/summary.md", [&svc](Request& r, Respond d) { Summary(svc, r, d); });
  router.Add("GET", "/api/meetings/:id/state", [&svc](Request& r, Respond d) { PastState(svc, r, d); });
  router.Add("GET", "/api/analytics/features", [&svc](Request& r, Respond d) { Features(svc, r, d); });
}

}  // namespace confab::api
