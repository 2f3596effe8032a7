// The views over the log: analytics, audit, summary, features, state at a point in time. Every one
// reads the store (or a hub that may load from it), so each runs on the reader pool.
#include <nlohmann/json.hpp>

#include "api/read_then_respond.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "api/status_response.hpp"
#include "views/queries.hpp"
#include "views/state_at.hpp"
#include "views/streams.hpp"

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

void Analytics(Services& svc, Request& req, Respond respond) {
  ReadThenRespond(svc, req, std::move(respond), [&svc, id = req.params[0]](store::Store&) {
    nlohmann::json out;
    Status s = views::MeetingAnalyticsJson(svc.views, id, &out);
    return JsonOr(s, out);
  });
}

// Both formats stream (views open the scan; the session pulls chunks on the reader pool), so a
// meeting of any length costs flat memory. Open fails before any byte for an unknown meeting or a
// bad filter, so those still get a proper 404/400.
void Audit(Services& svc, Request& req, Respond respond) {
  views::AuditFilter filter{QueryValue(req, "actor"), QueryValue(req, "type")};
  std::string format = QueryValue(req, "format");
  if (format.empty()) format = "json";
  if (format != "json" && format != "csv") {
    respond(Response::Error(400, "invalid_payload", "format is json or csv"));
    return;
  }
  ReadThenRespond(svc, req, std::move(respond),
                  [id = req.params[0], filter = std::move(filter), format](store::Store& st) {
                    std::unique_ptr<ChunkSource> source;
                    const bool csv = format == "csv";
                    Status s = csv ? views::OpenAuditCsv(st, id, filter, &source)
                                   : views::OpenAuditJson(st, id, filter, &source);
                    if (!s.ok()) return ErrorFor(s);
                    if (!csv) return Response::Stream("application/json", std::move(source));
                    Response r = Response::Stream("text/csv; charset=utf-8", std::move(source));
                    r.headers.emplace_back("Content-Disposition",
                                           "attachment; filename=\"confab-audit-" + id + ".csv\"");
                    return r;
                  });
}

void Summary(Services& svc, Request& req, Respond respond) {
  ReadThenRespond(svc, req, std::move(respond), [id = req.params[0]](store::Store& st) {
    Response r;
    if (Status s = views::SummaryMarkdown(st, id, &r.body); !s.ok()) return ErrorFor(s);
    r.content_type = "text/markdown; charset=utf-8";
    return r;
  });
}

// The same summary as JSON, for the Done screen (which downloads and copies the Markdown itself).
void SummaryData(Services& svc, Request& req, Respond respond) {
  ReadThenRespond(svc, req, std::move(respond), [id = req.params[0]](store::Store& st) {
    nlohmann::json out;
    Status s = views::SummaryJson(st, id, &out);
    return JsonOr(s, out);
  });
}

void Features(Services& svc, Request& req, Respond respond) {
  ReadThenRespond(svc, req, std::move(respond),
                  [from = QueryValue(req, "from"), to = QueryValue(req, "to")](store::Store& st) {
                    nlohmann::json out;
                    Status s = views::FeaturesJson(st, from, to, &out);
                    return JsonOr(s, out);
                  });
}

// GET /api/meetings/ID/state?seq=K | ?at=TIME (views/state_at.hpp: snapshots, bounded memory).
void PastState(Services& svc, Request& req, Respond respond) {
  ReadThenRespond(
      svc, req, std::move(respond),
      [id = req.params[0], seq = QueryValue(req, "seq"), at = QueryValue(req, "at")](store::Store& st) {
        nlohmann::json out;
        Status s = views::StateAtQuery(st, id, seq, at, &out);
        return JsonOr(s, out);
      });
}

}  // namespace

void AddViewRoutes(Router& router, Services& svc) {
  router.Add("GET", "/api/meetings/:id/analytics",
             [&svc](Request& r, Respond d) { Analytics(svc, r, std::move(d)); });
  router.Add("GET", "/api/meetings/:id/audit",
             [&svc](Request& r, Respond d) { Audit(svc, r, std::move(d)); });
  router.Add("GET", "/api/meetings/:id/summary.md",
             [&svc](Request& r, Respond d) { Summary(svc, r, std::move(d)); });
  router.Add("GET", "/api/meetings/:id/summary",
             [&svc](Request& r, Respond d) { SummaryData(svc, r, std::move(d)); });
  router.Add("GET", "/api/meetings/:id/state",
             [&svc](Request& r, Respond d) { PastState(svc, r, std::move(d)); });
  router.Add("GET", "/api/analytics/features",
             [&svc](Request& r, Respond d) { Features(svc, r, std::move(d)); });
}

}  // namespace confab::api
