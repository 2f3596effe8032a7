// GET /livez, /readyz (= /healthz) and GET /metrics (Prometheus text format).
//
// /livez answers from the io thread alone: it says the process still serves requests (liveness:
// restart me if this fails). /readyz says whether it can do its job (readiness: send me traffic): the
// writer is committing (Store::WriterHealthDetail from memory: no append failed on I/O recently, no
// checkpoint trouble, the WAL within its bound; store/health_tracker.hpp) and a read through the reader
// pool succeeds — so a full pool or a dead read path shows up as a slow or failed probe rather than
// being hidden. Its body says why: {"status","store","writer","last_error","since"}.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "api/read_then_respond.hpp"
#include "api/router.hpp"
#include "api/services.hpp"
#include "channels/stats.hpp"
#include "rooms/room_registry.hpp"
#include "store/store.hpp"
#include "util/thread_role.hpp"

namespace confab::api {
namespace {

std::string Why(const Status& s, const char* fallback) {
  return s.message().empty() ? std::string(fallback) : s.message();
}

// `store` is the one-line verdict (what /healthz always said); `writer` the writer's own, `last_error`
// the latest write failure even after recovery (null if none since start), `since` when the writer's
// current state began (ms since the Unix epoch; null: since start).
Response Readiness(const store::WriterHealthReport& w, const Status& read) {
  const std::string writer = w.status.ok() ? "ok" : Why(w.status, "writer unavailable");
  std::string verdict = "ok";
  if (!w.status.ok()) {
    verdict = writer;
  } else if (!read.ok()) {
    verdict = "read failed: " + Why(read, "unavailable");
  }
  const bool ok = verdict == "ok";
  nlohmann::json body = {
      {"status", ok ? "ok" : "error"},
      {"store", verdict},
      {"writer", writer},
      {"last_error", w.last_error.empty() ? nlohmann::json() : nlohmann::json(w.last_error)},
      {"since", w.since_ms > 0 ? nlohmann::json(w.since_ms) : nlohmann::json()}};
  return Response::Json(ok ? 200 : 503, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

void Ready(Services& svc, Request& req, Respond respond) {
  store::WriterHealthReport w = svc.store.WriterHealthDetail();
  if (!w.status.ok()) {
    respond(Readiness(w, Status::Ok()));
    return;
  }
  ReadThenRespond(svc, req, std::move(respond), [w = std::move(w)](store::Store& st) {
    int64_t head = 0;
    // A read that touches the database: NotFound is a healthy answer.
    Status s = st.HeadSeq("healthz-probe", &head);
    if (s.code() == Status::Code::kNotFound) s = Status::Ok();
    return Readiness(w, s);
  });
}

void Live(Request&, const Respond& respond) {
  respond(Response::Json(200, R"({"status":"ok"})"));
}

void Line(std::string& out, const char* name, const char* type, const char* help, uint64_t value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

// Everything read here is an atomic or a counter snapshot: answered on the io thread, never blocks.
void Metrics(Services& svc, Request&, const Respond& respond) {
  const auto& c = channels::Stats();
  const store::StoreStats st = svc.store.Stats();
  std::string out;
  Line(out, "confab_connections_open", "gauge", "WebSocket connections open", c.connections_open.load());
  Line(out, "confab_connections_total", "counter", "WebSocket connections accepted",
       c.connections_total.load());
  Line(out, "confab_joins_total", "counter", "Successful channel joins", c.joins.load());
  Line(out, "confab_join_errors_total", "counter", "Joins answered with an error", c.join_errors.load());
  Line(out, "confab_pushes_total", "counter", "Client events acknowledged ok", c.pushes.load());
  Line(out, "confab_push_errors_total", "counter", "Client events answered with an error",
       c.push_errors.load());
  Line(out, "confab_deliveries_total", "counter", "Broadcast frames queued on sockets", c.deliveries.load());
  Line(out, "confab_rate_limited_total", "counter", "Messages refused by the rate limit",
       c.rate_limited.load());
  Line(out, "confab_malformed_frames_total", "counter", "Malformed client frames", c.malformed_frames.load());
  Line(out, "confab_heartbeats_total", "counter", "Heartbeats answered", c.heartbeats.load());
  Line(out, "confab_slow_consumer_closes_total", "counter", "Sockets closed as slow consumers",
       c.slow_consumer_closes.load());
  Line(out, "confab_rooms_loaded", "gauge", "Meetings held in memory", svc.rooms.loaded());
  Line(out, "confab_store_commits_total", "counter", "Group commits", st.commits);
  Line(out, "confab_store_appends_total", "counter", "Appends committed", st.appends);
  Line(out, "confab_store_events_total", "counter", "Events committed", st.events);
  Line(out, "confab_store_failed_appends_total", "counter", "Appends that failed", st.failed_appends);
  Line(out, "confab_store_commit_microseconds_total", "counter", "Wall time in commits incl. fsync",
       st.commit_micros);
  Line(out, "confab_store_max_batch_events", "gauge", "Largest group commit, events", st.max_batch_events);
  Line(out, "confab_store_cached_meetings", "gauge", "Meetings in the SQLite writer's id cache",
       st.cached_meetings);
  Line(out, "confab_store_writer_healthy", "gauge", "1 while appends succeed, 0 after a failed commit",
       svc.store.WriterHealth().ok() ? 1 : 0);
  Line(out, "confab_blocking_on_io_thread_total", "counter",
       "Blocking store calls made on an io thread (a bug)", BlockingOnIoThreadCount());
  if (svc.more_metrics) out += svc.more_metrics();
  Response r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = std::move(out);
  respond(std::move(r));
}

}  // namespace

void AddHealthRoutes(Router& router, Services& svc) {
  router.Add("GET", "/livez", [](Request& r, Respond d) { Live(r, d); });
  // /healthz: the readiness probe under its older name (load balancers configured with it).
  router.Add("GET", "/healthz", [&svc](Request& r, Respond d) { Ready(svc, r, std::move(d)); });
  router.Add("GET", "/readyz", [&svc](Request& r, Respond d) { Ready(svc, r, std::move(d)); });
  router.Add("GET", "/metrics", [&svc](Request& r, Respond d) { Metrics(svc, r, d); });
}

}  // namespace confab::api
