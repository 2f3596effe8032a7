// confab_load: a load generator speaking Phoenix V2 to a Confab server. It creates meetings over HTTP,
// connects and joins many members per meeting, optionally has some of them publish events at a fixed
// rate, and reports what members saw (deliveries/s, latency, join time) next to what the server spent
// (CPU time and RSS from /proc/PID, and /metrics). See docs/benchmarks.md for the scenarios.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <thread>

#include "event_id.hpp"
#include "http_client.hpp"
#include "server_probe.hpp"
#include "swarm.hpp"

using namespace confab::bench;
using nlohmann::json;

namespace {

struct Totals {
  uint64_t connects_ok = 0, joins_ok = 0, joins_failed = 0, gave_up = 0, deliveries = 0, presence_diffs = 0,
           presence_states = 0, published = 0, acked = 0, rejected = 0, skipped = 0, heartbeats = 0,
           heartbeat_replies = 0, disconnects = 0, errors = 0, seq_gaps = 0, seq_repeats = 0, frames_in = 0,
           bytes_in = 0, event_frames = 0, batch_frames = 0, batched_events = 0, join_reply_bytes = 0,
           join_reply_max_bytes = 0;
  // Over every swarm: the first connect, the last join reply / presence_diff / event frame (0: none).
  int64_t first_connect_ns = 0, last_join_ns = 0, last_presence_diff_ns = 0, last_event_ns = 0;
};

Totals Sum(const std::vector<std::unique_ptr<Swarm>>& swarms) {
  Totals t;
  for (auto& s : swarms) {
    const SwarmCounters& c = s->counters();
    auto r = [](const std::atomic<uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    t.connects_ok += r(c.connects_ok);
    t.joins_ok += r(c.joins_ok);
    t.joins_failed += r(c.joins_failed);
    t.gave_up += r(c.gave_up);
    t.deliveries += r(c.deliveries);
    t.presence_diffs += r(c.presence_diffs);
    t.presence_states += r(c.presence_states);
    t.published += r(c.published);
    t.acked += r(c.acked);
    t.rejected += r(c.rejected);
    t.skipped += r(c.skipped);
    t.heartbeats += r(c.heartbeats);
    t.heartbeat_replies += r(c.heartbeat_replies);
    t.disconnects += r(c.disconnects);
    t.errors += r(c.errors);
    t.seq_gaps += r(c.seq_gaps);
    t.seq_repeats += r(c.seq_repeats);
    t.frames_in += r(c.frames_in);
    t.bytes_in += r(c.bytes_in);
    t.event_frames += r(c.event_frames);
    t.batch_frames += r(c.batch_frames);
    t.batched_events += r(c.batched_events);
    t.join_reply_bytes += r(c.join_reply_bytes);
    t.join_reply_max_bytes = std::max(t.join_reply_max_bytes, r(c.join_reply_max_bytes));
    auto ns = [](const std::atomic<int64_t>& a) { return a.load(std::memory_order_relaxed); };
    if (int64_t f = ns(c.first_connect_ns); f && (!t.first_connect_ns || f < t.first_connect_ns))
      t.first_connect_ns = f;
    t.last_join_ns = std::max(t.last_join_ns, ns(c.last_join_ns));
    t.last_presence_diff_ns = std::max(t.last_presence_diff_ns, ns(c.last_presence_diff_ns));
    t.last_event_ns = std::max(t.last_event_ns, ns(c.last_event_ns));
  }
  return t;
}

void SleepS(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}
double SecondsSince(int64_t ns) {
  return static_cast<double>(MonotonicNs() - ns) / 1e9;
}
double Mb(int64_t bytes) {
  return static_cast<double>(bytes) / (1024.0 * 1024.0);
}
double Us(int64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

json HistJson(const LatencyHistogram& h) {
  return {{"count", h.count()},
          {"p50_us", Us(h.Quantile(0.50))},
          {"p90_us", Us(h.Quantile(0.90))},
          {"p99_us", Us(h.Quantile(0.99))},
          {"p999_us", Us(h.Quantile(0.999))},
          {"max_us", Us(h.max())},
          {"mean_us", h.mean() / 1000.0}};
}

void PrintHist(const char* name, const LatencyHistogram& h) {
  std::printf("  %-22s n=%-10llu p50=%9.0f us  p90=%9.0f us  p99=%9.0f us  p99.9=%9.0f us  max=%9.0f us\n",
              name, static_cast<unsigned long long>(h.count()), Us(h.Quantile(0.5)), Us(h.Quantile(0.9)),
              Us(h.Quantile(0.99)), Us(h.Quantile(0.999)), Us(h.max()));
}

std::map<std::string, double> FetchMetrics(const std::string& host, const std::string& port) {
  HttpResponse resp;
  if (!HttpRequest(host, port, "GET", "/metrics", "", &resp).ok() || resp.status != 200) return {};
  return ParsePrometheus(resp.body);
}

struct Endpoint {
  std::string host, port;
};

// "host:port", "ws://host:port" or "http://host:port"; false when there is no port.
bool ParseEndpoint(std::string url, Endpoint* e) {
  for (const char* scheme : {"ws://", "http://"})
    if (url.rfind(scheme, 0) == 0) url = url.substr(std::string(scheme).size());
  size_t colon = url.rfind(':');
  if (colon == std::string::npos || colon + 1 == url.size()) return false;
  e->host = url.substr(0, colon);
  e->port = url.substr(colon + 1);
  return true;
}

// /metrics of every node, summed series by series (cluster totals); a node that does not answer adds nothing.
std::map<std::string, double> FetchMetricsSum(const std::vector<Endpoint>& eps,
                                              std::vector<std::map<std::string, double>>* each = nullptr) {
  std::map<std::string, double> sum;
  if (each) each->clear();
  for (auto& e : eps) {
    auto m = FetchMetrics(e.host, e.port);
    for (auto& [k, v] : m) sum[k] += v;
    if (each) each->push_back(std::move(m));
  }
  return sum;
}

// nats-server's monitoring endpoint (GET /varz): message and byte counters.
json FetchVarz(const std::string& hostport) {
  Endpoint e;
  HttpResponse resp;
  if (hostport.empty() || !ParseEndpoint(hostport, &e) ||
      !HttpRequest(e.host, e.port, "GET", "/varz", "", &resp).ok() || resp.status != 200)
    return json();
  json v = json::parse(resp.body, nullptr, false);
  return v.is_discarded() ? json() : v;
}

struct Aux {
  std::string name;
  int pid = 0;
};

std::vector<ProcessSample> SampleNodes(const std::vector<int>& pids) {
  std::vector<ProcessSample> v;
  for (int pid : pids) v.push_back(SampleProcess(pid));
  return v;
}
std::vector<ProcessSample> SampleAux(const std::vector<Aux>& aux) {
  std::vector<ProcessSample> v;
  for (auto& a : aux) v.push_back(SampleTree(a.pid));
  return v;
}
// The nodes together: CPU, RSS and threads summed; ok only when every node was read.
ProcessSample SumSamples(const std::vector<ProcessSample>& v) {
  ProcessSample t;
  t.ok = !v.empty();
  for (auto& s : v) {
    t.ok = t.ok && s.ok;
    t.cpu_ns += s.cpu_ns;
    t.rss_bytes += s.rss_bytes;
    t.hwm_bytes += s.hwm_bytes;
    t.threads += s.threads;
  }
  return t;
}

// Counter deltas over the window, and mean = Δsum/Δcount for histogram/summary series.
json MetricDeltas(const std::map<std::string, double>& a, const std::map<std::string, double>& b) {
  json out = json::object();
  for (auto& [k, v] : b) {
    auto it = a.find(k);
    double d = v - (it == a.end() ? 0 : it->second);
    if (d != 0 && k.find("_bucket") == std::string::npos) out[k] = d;
  }
  for (auto& [k, v] : b) {
    const std::string suffix = "_count";
    if (k.size() <= suffix.size() || k.compare(k.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    std::string base = k.substr(0, k.size() - suffix.size());
    if (!out.contains(k) || !out.contains(base + "_sum")) continue;
    out[base + " (mean over window)"] = out[base + "_sum"].get<double>() / out[k].get<double>();
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"confab_load: Phoenix V2 load generator for Confab"};
  std::string url = "127.0.0.1:4000";
  int meetings = 1, members = 50, publishers = 1, threads = 1, server_pid = 0;
  std::vector<std::string> urls, aux_specs, meeting_ids;
  std::vector<int> server_pids;
  std::string nats_varz, hold_until;
  double rate = 10, duration = 10, warmup = 2, connect_rate = 2000, settle = 60, connect_timeout = 300,
         hold = 0, heartbeat = 30;
  bool idle = false, timeline = false;
  std::vector<double> rates;
  double drain_max = 10, disturb_at = 5;
  std::string disturb;
  std::string event_type = "reaction", json_out, label;
  int max_pending = 256;
  app.add_option("--url", url, "server host:port (IPv4 literal)");
  app.add_option("--meetings", meetings, "meetings to create");
  app.add_option("--meeting-ids", meeting_ids,
                 "join these existing meetings (id,id,…) instead of creating --meetings new ones (e.g. one "
                 "brought in with `confab import`)")
      ->delimiter(',');
  app.add_option("--members", members, "members (connections) per meeting");
  app.add_option("--publishers", publishers, "publishing members per meeting (the rate is split over them)");
  app.add_option("--rate", rate, "events/s per meeting");
  app.add_option("--duration", duration, "measured seconds");
  app.add_option("--warmup", warmup, "seconds of publishing before measuring");
  app.add_option("--connect-rate", connect_rate, "new connections/s (all threads together)");
  app.add_option("--max-pending-connects", max_pending, "connections being set up at once, per thread");
  app.add_flag("--idle", idle, "only connect, join and hold (memory measurement)");
  app.add_option("--hold", hold,
                 "with --idle: seconds to hold the joined connections before the last sample");
  app.add_option("--hold-until", hold_until,
                 "with --idle: after joining, hold until this file exists (at most --hold s, or "
                 "--connect-timeout s without --hold), then take the last sample; lets several load "
                 "processes be sampled while all of them are joined");
  app.add_option("--settle", settle, "max seconds to wait for the presence traffic of the joins to end");
  app.add_option("--connect-timeout", connect_timeout, "max seconds for all joins");
  app.add_option("--server-pid", server_pid, "server process, for CPU and RSS from /proc");
  app.add_option("--urls", urls,
                 "several servers (cluster nodes), host:port,host:port,…: member k of meeting g connects to "
                 "url (k + g) mod n, meetings are created round-robin over them, /metrics is summed; "
                 "replaces --url")
      ->delimiter(',');
  app.add_option(
         "--server-pids", server_pids,
         "the nodes' processes, in --urls order (CPU and RSS summed and per node); replaces --server-pid")
      ->delimiter(',');
  app.add_option("--aux-pid", aux_specs,
                 "NAME=PID of a helper process whose CPU is reported per window, PID and its direct children "
                 "summed (e.g. postgres=POSTMASTER_PID, nats=PID); repeatable or comma-separated")
      ->delimiter(',');
  app.add_option("--nats-varz", nats_varz, "host:port of nats-server's monitoring port: messages per window");
  app.add_option("--threads", threads, "client io threads (meetings are split over them)");
  app.add_option("--event-type", event_type, "reaction | card_added | typing")
      ->check(CLI::IsMember({"reaction", "card_added", "typing"}));
  app.add_option("--heartbeat", heartbeat, "heartbeat interval, s");
  app.add_option("--json-out", json_out, "append the results as one JSON line to this file");
  app.add_option("--label", label, "scenario name for the JSON line");
  app.add_option("--rates", rates,
                 "rate sweep: events/s per meeting for successive windows on the same joined members "
                 "(each: warm-up, window, stop, drain); replaces --rate")
      ->delimiter(',');
  app.add_option("--drain-max", drain_max,
                 "max seconds to wait after a window for acks and deliveries to finish; a sweep stops "
                 "when it runs out (the server is behind)");
  app.add_option("--disturb", disturb,
                 "shell command run (std::system, own thread) --disturb-at s into the first window, e.g. a "
                 "cold meeting open or a slow export with curl; its wall time and exit status are reported");
  app.add_option("--disturb-at", disturb_at, "seconds after the first window's start to run --disturb");
  app.add_flag("--timeline", timeline, "print deliveries, >10 ms and max latency per second of the run");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when redirected to a file

  if (urls.empty()) urls.push_back(url);
  std::vector<Endpoint> eps;
  for (auto& u : urls) {
    Endpoint e;
    if (!ParseEndpoint(u, &e)) {
      std::fprintf(stderr, "--url/--urls must be host:port (got %s)\n", u.c_str());
      return 2;
    }
    eps.push_back(e);
  }
  if (eps.size() > static_cast<size_t>(SwarmCounters::kMaxTargets)) {
    std::fprintf(stderr, "at most %d urls\n", SwarmCounters::kMaxTargets);
    return 2;
  }
  const std::string host = eps[0].host, port = eps[0].port;
  if (server_pids.empty() && server_pid) server_pids.push_back(server_pid);
  std::vector<Aux> aux;
  for (auto& spec : aux_specs) {
    size_t eq = spec.find('=');
    Aux a{eq == std::string::npos ? "aux" + std::to_string(aux.size()) : spec.substr(0, eq),
          std::atoi(spec.c_str() + (eq == std::string::npos ? 0 : eq + 1))};
    if (a.pid <= 0 || !SampleProcess(a.pid).ok) {
      std::fprintf(stderr, "--aux-pid %s: no such process\n", spec.c_str());
      return 2;
    }
    aux.push_back(a);
  }
  const bool per_node = server_pids.size() > 1;
  if (!meeting_ids.empty()) meetings = static_cast<int>(meeting_ids.size());
  threads = std::max(1, std::min(threads, meetings));

  json result = {{"label", label},
                 {"shape",
                  {{"meetings", meetings},
                   {"members_per_meeting", members},
                   {"publishers_per_meeting", publishers},
                   {"rate_per_meeting", rate},
                   {"event_type", event_type},
                   {"duration_s", duration},
                   {"warmup_s", warmup},
                   {"threads", threads},
                   {"idle", idle}}}};
  if (eps.size() > 1) {
    json u = json::array();
    for (auto& e : eps) u.push_back(e.host + ":" + e.port);
    result["shape"]["urls"] = u;
  }

  std::vector<ProcessSample> s_idle_v = SampleNodes(server_pids);
  ProcessSample s_idle = SumSamples(s_idle_v);
  if (!server_pids.empty() && !s_idle.ok) {
    std::fprintf(stderr, "cannot read /proc of every --server-pid(s)\n");
    return 2;
  }
  if (s_idle.ok) std::printf("server idle: RSS %.1f MB, %d threads\n", Mb(s_idle.rss_bytes), s_idle.threads);

  // 1. Meetings.
  int64_t t0 = MonotonicNs();
  std::vector<std::string> topics;
  for (int i = 0; i < meetings; ++i) {
    std::string id;
    if (!meeting_ids.empty()) {
      topics.push_back("meeting:" + meeting_ids[static_cast<size_t>(i)]);
      continue;
    }
    const Endpoint& e = eps[static_cast<size_t>(i) % eps.size()];
    confab::Status st = CreateMeeting(e.host, e.port, "bench " + std::to_string(i), &id);
    if (!st.ok()) {
      std::fprintf(stderr, "create meeting: %s\n", st.ToString().c_str());
      return 1;
    }
    topics.push_back("meeting:" + id);
  }
  if (meeting_ids.empty()) std::printf("created %d meetings in %.2f s\n", meetings, SecondsSince(t0));
  std::vector<ProcessSample> s_meetings_v = SampleNodes(server_pids);
  ProcessSample s_meetings = SumSamples(s_meetings_v);

  // 2. Swarms: meetings dealt round-robin over threads.
  std::vector<std::unique_ptr<Swarm>> swarms;
  std::vector<std::vector<std::string>> split(threads);
  for (int i = 0; i < meetings; ++i) split[i % threads].push_back(topics[i]);
  int first_bot = 0;
  for (int t = 0; t < threads; ++t) {
    SwarmOptions o;
    o.host = host;
    o.port = static_cast<uint16_t>(std::stoi(port));
    if (eps.size() > 1)
      for (auto& e : eps) o.targets.push_back({e.host, static_cast<uint16_t>(std::stoi(e.port))});
    o.meeting_base = t;
    o.meeting_stride = threads;
    o.members_per_meeting = members;
    o.publishers_per_meeting = std::min(publishers, members);
    o.rate_per_meeting = idle ? 0 : rate;
    o.connect_rate = connect_rate / threads;
    o.max_pending_connects = max_pending;
    o.heartbeat_s = heartbeat;
    o.event_type = event_type;
    swarms.push_back(std::make_unique<Swarm>(o, split[t], first_bot));
    first_bot += swarms.back()->bots();
  }
  const uint64_t total_bots = static_cast<uint64_t>(first_bot);
  std::vector<std::thread> workers;
  for (auto& s : swarms) workers.emplace_back([&s] { s->Run(); });
  auto stop_all = [&] {
    for (auto& s : swarms) s->Stop();
    for (auto& w : workers) w.join();
  };

  // 3. Connect + join.
  t0 = MonotonicNs();
  for (auto& s : swarms) s->StartConnecting();
  Totals tot;
  // Polled every 10 ms so the server sample below is taken right after the last join reply: the join
  // phase's CPU excludes the presence/event traffic still queued then (that is in the settle figure).
  while (true) {
    SleepS(0.01);
    tot = Sum(swarms);
    if (tot.joins_ok + tot.gave_up >= total_bots) break;
    if (SecondsSince(t0) > connect_timeout) {
      std::printf("connect timeout: %llu of %llu joined\n", static_cast<unsigned long long>(tot.joins_ok),
                  static_cast<unsigned long long>(total_bots));
      break;
    }
  }
  double join_phase_s = SecondsSince(t0);
  std::vector<ProcessSample> s_joinphase_v = SampleNodes(server_pids);
  ProcessSample s_joinphase = SumSamples(s_joinphase_v);
  const Totals at_joined = tot;
  std::printf("joined %llu/%llu in %.2f s (%llu failed)\n", static_cast<unsigned long long>(tot.joins_ok),
              static_cast<unsigned long long>(total_bots), join_phase_s,
              static_cast<unsigned long long>(tot.gave_up));

  // 4. Let the presence_diff storm of the joins drain: quiet for one second.
  t0 = MonotonicNs();
  // Heartbeat replies do not count: once a join phase outlasts --heartbeat they never stop.
  uint64_t last_frames = tot.frames_in - tot.heartbeat_replies;
  int64_t quiet_since = MonotonicNs();
  while (SecondsSince(t0) < settle) {
    SleepS(0.1);
    tot = Sum(swarms);
    if (tot.frames_in - tot.heartbeat_replies != last_frames) {
      last_frames = tot.frames_in - tot.heartbeat_replies;
      quiet_since = MonotonicNs();
    } else if (SecondsSince(quiet_since) >= 1.0) {
      break;
    }
  }
  double settle_s = SecondsSince(t0);
  std::printf("presence settled after %.2f s more: %llu presence_diff, %llu presence_state frames received\n",
              settle_s, static_cast<unsigned long long>(tot.presence_diffs),
              static_cast<unsigned long long>(tot.presence_states));
  std::vector<ProcessSample> s_joined_v = SampleNodes(server_pids);
  ProcessSample s_joined = SumSamples(s_joined_v);
  // The join storm, from the members' side: first connect -> last join reply (joins/s), -> the last
  // presence_diff and the last event frame any member received (presence and roster settled), what
  // the join replies weighed, and how many frames each member got meanwhile.
  json storm;
  {
    auto since_first = [&](int64_t ns) {
      return ns && tot.first_connect_ns ? static_cast<double>(ns - tot.first_connect_ns) / 1e9 : 0.0;
    };
    const double joins_s = since_first(tot.last_join_ns);
    const double per_member = tot.joins_ok ? 1.0 / static_cast<double>(tot.joins_ok) : 0.0;
    const double cpu_join_s = static_cast<double>(s_joinphase.cpu_ns - s_meetings.cpu_ns) / 1e9;
    const double cpu_settle_s = static_cast<double>(s_joined.cpu_ns - s_meetings.cpu_ns) / 1e9;
    storm = {
        {"joins", tot.joins_ok},
        {"first_connect_to_last_join_s", joins_s},
        {"joins_per_s", joins_s > 0 ? static_cast<double>(tot.joins_ok) / joins_s : 0.0},
        {"presence_settled_s", since_first(tot.last_presence_diff_ns)},
        {"events_settled_s", since_first(tot.last_event_ns)},
        {"join_reply_bytes", tot.join_reply_bytes},
        {"join_reply_max_bytes", tot.join_reply_max_bytes},
        {"join_reply_mean_bytes", static_cast<double>(tot.join_reply_bytes) * per_member},
        {"event_frames", tot.event_frames},
        {"batch_frames", tot.batch_frames},
        {"batched_events", tot.batched_events},
        {"deliveries", tot.deliveries},
        {"presence_diffs", tot.presence_diffs},
        {"event_frames_per_member", static_cast<double>(tot.event_frames + tot.batch_frames) * per_member},
        {"deliveries_per_member", static_cast<double>(tot.deliveries) * per_member},
        {"presence_diffs_per_member", static_cast<double>(tot.presence_diffs) * per_member},
        {"frames_after_last_join", tot.frames_in - at_joined.frames_in},
        {"client_bytes_in", tot.bytes_in}};
    if (s_joinphase.ok) {
      storm["server_cpu_join_phase_s"] = cpu_join_s;
      storm["server_cpu_us_per_join"] = cpu_join_s * 1e6 * per_member;
      storm["server_cpu_join_and_settle_s"] = cpu_settle_s;
      storm["server_cpu_us_per_join_with_settle"] = cpu_settle_s * 1e6 * per_member;
      storm["server_rss_at_last_join_mb"] = Mb(s_joinphase.rss_bytes);
    }
    std::printf(
        "join storm: %llu joins in %.3f s from the first connect to the last join reply = %.0f joins/s\n",
        static_cast<unsigned long long>(tot.joins_ok), joins_s, storm["joins_per_s"].get<double>());
    std::printf("  last presence_diff at %.3f s, last event frame at %.3f s (since the first connect)\n",
                storm["presence_settled_s"].get<double>(), storm["events_settled_s"].get<double>());
    std::printf("  join replies: %.1f MB in all, largest %llu B, mean %.0f B\n",
                Mb(static_cast<int64_t>(tot.join_reply_bytes)),
                static_cast<unsigned long long>(tot.join_reply_max_bytes),
                storm["join_reply_mean_bytes"].get<double>());
    std::printf(
        "  per member: %.1f event frames (%llu \"events\" batches holding %llu events), %.1f deliveries, "
        "%.1f presence_diff frames\n",
        storm["event_frames_per_member"].get<double>(), static_cast<unsigned long long>(tot.batch_frames),
        static_cast<unsigned long long>(tot.batched_events), storm["deliveries_per_member"].get<double>(),
        storm["presence_diffs_per_member"].get<double>());
    if (s_joinphase.ok)
      std::printf(
          "  server CPU: %.3f s to the last join reply = %.1f us per join; %.3f s with the settle = %.1f us "
          "per join\n",
          cpu_join_s, cpu_join_s * 1e6 * per_member, cpu_settle_s, cpu_settle_s * 1e6 * per_member);
  }
  std::vector<uint64_t> joined_by_target(eps.size(), 0);
  for (auto& s : swarms)
    for (size_t i = 0; i < eps.size(); ++i)
      joined_by_target[i] += s->counters().joins_by_target[i].load(std::memory_order_relaxed);
  ProcessSample self_joined = SampleSelf();
  result["join"] = {{"bots", total_bots},
                    {"joined", tot.joins_ok},
                    {"failed", tot.gave_up},
                    {"join_phase_s", join_phase_s},
                    {"settle_s", settle_s},
                    {"presence_diffs", tot.presence_diffs},
                    {"presence_states", tot.presence_states},
                    {"join_deliveries", tot.deliveries},
                    {"storm", storm}};
  if (s_joined.ok) {
    double per_conn =
        tot.joins_ok ? static_cast<double>(s_joined.rss_bytes - s_meetings.rss_bytes) / tot.joins_ok : 0;
    std::printf(
        "server RSS: idle %.1f MB, after meetings %.1f MB, joined %.1f MB => %.2f KB per joined connection\n",
        Mb(s_idle.rss_bytes), Mb(s_meetings.rss_bytes), Mb(s_joined.rss_bytes), per_conn / 1024);
    std::printf("server CPU during connect+join+settle: %.2f s (%.1f us per join)\n",
                static_cast<double>(s_joined.cpu_ns - s_meetings.cpu_ns) / 1e9,
                tot.joins_ok ? Us(s_joined.cpu_ns - s_meetings.cpu_ns) / tot.joins_ok : 0.0);
    result["server_memory"] = {
        {"rss_idle_mb", Mb(s_idle.rss_bytes)},
        {"rss_after_meetings_mb", Mb(s_meetings.rss_bytes)},
        {"rss_joined_mb", Mb(s_joined.rss_bytes)},
        {"kb_per_connection", per_conn / 1024},
        {"threads", s_joined.threads},
        {"join_cpu_s", static_cast<double>(s_joined.cpu_ns - s_meetings.cpu_ns) / 1e9}};
    if (per_node) {
      json nodes = json::array();
      for (size_t i = 0; i < s_joined_v.size(); ++i) {
        uint64_t n = i < joined_by_target.size() ? joined_by_target[i] : 0;
        double d = static_cast<double>(s_joined_v[i].rss_bytes - s_meetings_v[i].rss_bytes);
        double cpu = static_cast<double>(s_joined_v[i].cpu_ns - s_meetings_v[i].cpu_ns) / 1e9;
        std::printf(
            "  node %zu (%s:%s): %llu joined, RSS %.1f -> %.1f MB => %.2f KB per connection; join CPU %.2f "
            "s\n",
            i + 1, i < eps.size() ? eps[i].host.c_str() : "?", i < eps.size() ? eps[i].port.c_str() : "?",
            static_cast<unsigned long long>(n), Mb(s_meetings_v[i].rss_bytes), Mb(s_joined_v[i].rss_bytes),
            n ? d / n / 1024 : 0.0, cpu);
        nodes.push_back({{"joined", n},
                         {"rss_after_meetings_mb", Mb(s_meetings_v[i].rss_bytes)},
                         {"rss_joined_mb", Mb(s_joined_v[i].rss_bytes)},
                         {"kb_per_connection", n ? d / n / 1024 : 0.0},
                         {"join_cpu_s", cpu}});
      }
      result["server_memory"]["nodes"] = nodes;
    }
  }
  if (eps.size() > 1) {
    std::printf("joined per url:");
    for (size_t i = 0; i < eps.size(); ++i)
      std::printf(" %s:%s=%llu", eps[i].host.c_str(), eps[i].port.c_str(),
                  static_cast<unsigned long long>(joined_by_target[i]));
    std::printf("\n");
    result["join"]["joined_by_url"] = joined_by_target;
  }
  std::printf("client RSS %.1f MB\n", Mb(self_joined.rss_bytes));

  if (idle) {
    if (!hold_until.empty()) {
      const double max_s = hold > 0 ? hold : connect_timeout;
      int64_t h0 = MonotonicNs();
      while (SecondsSince(h0) < max_s && !std::ifstream(hold_until).good()) SleepS(0.1);
      hold = SecondsSince(h0);
    } else if (hold > 0) {
      SleepS(hold);
    }
    if (hold > 0) {
      std::vector<ProcessSample> s_hold_v = SampleNodes(server_pids);
      ProcessSample s_hold = SumSamples(s_hold_v);
      tot = Sum(swarms);
      if (s_hold.ok) {
        std::printf("after holding %.0f s: server RSS %.1f MB, CPU %.3f s over the hold (heartbeats %llu)\n",
                    hold, Mb(s_hold.rss_bytes), static_cast<double>(s_hold.cpu_ns - s_joined.cpu_ns) / 1e9,
                    static_cast<unsigned long long>(tot.heartbeat_replies));
        result["server_memory"]["rss_after_hold_mb"] = Mb(s_hold.rss_bytes);
        result["server_memory"]["hold_cpu_s"] = static_cast<double>(s_hold.cpu_ns - s_joined.cpu_ns) / 1e9;
        if (per_node && result["server_memory"].contains("nodes"))
          for (size_t i = 0; i < s_hold_v.size(); ++i)
            result["server_memory"]["nodes"][i]["rss_after_hold_mb"] = Mb(s_hold_v[i].rss_bytes);
      }
    }
    tot = Sum(swarms);
    result["run"] = {{"disconnects", tot.disconnects},
                     {"heartbeats", tot.heartbeats},
                     {"heartbeat_replies", tot.heartbeat_replies}};
    if (tot.disconnects)
      std::printf("disconnects while holding: %llu\n", static_cast<unsigned long long>(tot.disconnects));
  } else {
    // 5. Publish: for each rate, warm-up, the measured window, stop, drain. One rate unless --rates.
    if (rates.empty()) rates.push_back(rate);
    json steps = json::array();
    Totals e;
    std::thread disturber;
    double disturb_start_s = -1, disturb_wall_s = -1;
    int disturb_rc = -1;
    for (size_t step = 0; step < rates.size(); ++step) {
      const double r = rates[step];
      for (auto& s : swarms) s->SetRate(r);
      for (auto& s : swarms) s->StartPublishing();
      SleepS(warmup);
      std::vector<std::map<std::string, double>> m0_each, m1_each;
      auto m0 = FetchMetricsSum(eps, &m0_each);
      json v0 = FetchVarz(nats_varz);
      std::vector<ProcessSample> c0v = SampleNodes(server_pids), x0 = SampleAux(aux);
      ProcessSample c0 = SumSamples(c0v);
      ProcessSample self0 = SampleSelf();
      Totals a = Sum(swarms);
      int64_t w0 = MonotonicNs();
      int window = 0;
      for (auto& s : swarms) window = s->SetWindow(w0, w0 + static_cast<int64_t>(duration * 1e9));
      if (step == 0 && !disturb.empty()) {
        disturber = std::thread([&, w0] {
          SleepS(disturb_at);
          int64_t t = MonotonicNs();
          disturb_start_s = static_cast<double>(t - w0) / 1e9;
          disturb_rc = std::system(disturb.c_str());
          disturb_wall_s = SecondsSince(t);
        });
      }
      SleepS(duration);
      Totals b = Sum(swarms);
      int64_t w1 = MonotonicNs();
      std::vector<ProcessSample> c1v = SampleNodes(server_pids), x1 = SampleAux(aux);
      ProcessSample c1 = SumSamples(c1v);
      ProcessSample self1 = SampleSelf();
      json v1 = FetchVarz(nats_varz);
      auto m1 = FetchMetricsSum(eps, &m1_each);
      for (auto& s : swarms) s->StopPublishing();
      // Drain: every push answered and deliveries quiet (bounded).
      int64_t d0 = MonotonicNs();
      uint64_t last = 0;
      int64_t still = MonotonicNs();
      bool drained = false;
      while (SecondsSince(d0) < drain_max) {
        SleepS(0.05);
        Totals d = Sum(swarms);
        if (d.deliveries != last) {
          last = d.deliveries;
          still = MonotonicNs();
        }
        if (d.acked + d.rejected >= d.published && SecondsSince(still) > 0.5) {
          drained = true;
          break;
        }
      }
      double drain_s = SecondsSince(d0);
      e = Sum(swarms);

      double dt = static_cast<double>(w1 - w0) / 1e9;
      uint64_t deliveries = b.deliveries - a.deliveries;
      uint64_t published = b.published - a.published;
      double server_cpu_s = static_cast<double>(c1.cpu_ns - c0.cpu_ns) / 1e9;
      double client_cpu_s = static_cast<double>(self1.cpu_ns - self0.cpu_ns) / 1e9;
      // Histograms belong to the swarm threads; these reads race only with recording of later steps'
      // windows (other histograms), and the drain above waited for this window's traffic.
      LatencyHistogram lat, ack, same, cross;
      for (auto& s : swarms) {
        lat.Merge(s->delivery_latency(window));
        ack.Merge(s->ack_latency(window));
        same.Merge(s->delivery_latency_same(window));
        cross.Merge(s->delivery_latency_cross(window));
      }
      std::printf("\n== rate %.1f/s per meeting: measured window %.2f s ==\n", r, dt);
      std::printf("  published %llu (%.0f/s), acked %llu, rejected %llu, skipped %llu\n",
                  static_cast<unsigned long long>(published), published / dt,
                  static_cast<unsigned long long>(b.acked - a.acked),
                  static_cast<unsigned long long>(b.rejected - a.rejected),
                  static_cast<unsigned long long>(b.skipped - a.skipped));
      std::printf("  delivered %llu event broadcasts = %.0f/s (expected %.0f/s = published x members)\n",
                  static_cast<unsigned long long>(deliveries), deliveries / dt,
                  static_cast<double>(published) * members / dt);
      std::printf(
          "  frames: %llu \"event\" + %llu \"events\" (holding %llu events) = %.2f deliveries per frame\n",
          static_cast<unsigned long long>(b.event_frames - a.event_frames),
          static_cast<unsigned long long>(b.batch_frames - a.batch_frames),
          static_cast<unsigned long long>(b.batched_events - a.batched_events),
          (b.event_frames - a.event_frames + b.batch_frames - a.batch_frames)
              ? static_cast<double>(deliveries) /
                    static_cast<double>(b.event_frames - a.event_frames + b.batch_frames - a.batch_frames)
              : 0.0);
      std::printf("  presence_diff in window %llu, disconnects %llu, seq gaps %llu, repeats %llu (so far)\n",
                  static_cast<unsigned long long>(b.presence_diffs - a.presence_diffs),
                  static_cast<unsigned long long>(e.disconnects), static_cast<unsigned long long>(e.seq_gaps),
                  static_cast<unsigned long long>(e.seq_repeats));
      PrintHist("send->delivery", lat);
      if (eps.size() > 1) {
        PrintHist("  same node", same);
        PrintHist("  cross-node", cross);
      }
      PrintHist("send->ack(durable)", ack);
      if (c1.ok) {
        std::printf(
            "  server CPU %.2f s over %.2f s (%.0f%% of a core) => %.3f us per delivery; RSS %.1f MB\n",
            server_cpu_s, dt, 100 * server_cpu_s / dt, deliveries ? server_cpu_s * 1e6 / deliveries : 0.0,
            Mb(c1.rss_bytes));
      }
      json nodes_json = json::array(), aux_json = json::object();
      if (per_node && c1.ok) {
        for (size_t i = 0; i < c1v.size(); ++i) {
          double cpu = static_cast<double>(c1v[i].cpu_ns - c0v[i].cpu_ns) / 1e9;
          auto delta = [&](const char* k) {
            if (i >= m0_each.size() || i >= m1_each.size()) return 0.0;
            auto a0 = m0_each[i].find(k);
            auto a1 = m1_each[i].find(k);
            return (a1 == m1_each[i].end() ? 0 : a1->second) - (a0 == m0_each[i].end() ? 0 : a0->second);
          };
          double node_deliveries = delta("confab_deliveries_total");
          std::printf(
              "    node %zu: CPU %.2f s (%.0f%% of a core), %.0f deliveries/s queued (its /metrics) => "
              "%.3f us per own delivery; RSS %.1f MB\n",
              i + 1, cpu, 100 * cpu / dt, node_deliveries / dt,
              node_deliveries > 0 ? cpu * 1e6 / node_deliveries : 0.0, Mb(c1v[i].rss_bytes));
          nodes_json.push_back(
              {{"cpu_s", cpu},
               {"deliveries", node_deliveries},
               {"cpu_us_per_own_delivery", node_deliveries > 0 ? cpu * 1e6 / node_deliveries : 0.0},
               {"pushes", delta("confab_pushes_total")},
               {"rss_mb", Mb(c1v[i].rss_bytes)}});
        }
      }
      for (size_t i = 0; i < aux.size(); ++i) {
        if (!x0[i].ok || !x1[i].ok) continue;
        double cpu = static_cast<double>(x1[i].cpu_ns - x0[i].cpu_ns) / 1e9;
        std::printf(
            "  %s CPU %.2f s (%.0f%% of a core) => %.3f us per delivery, %.1f us per published event\n",
            aux[i].name.c_str(), cpu, 100 * cpu / dt, deliveries ? cpu * 1e6 / deliveries : 0.0,
            published ? cpu * 1e6 / published : 0.0);
        aux_json[aux[i].name] = {{"cpu_s", cpu},
                                 {"cpu_us_per_delivery", deliveries ? cpu * 1e6 / deliveries : 0.0},
                                 {"cpu_us_per_published", published ? cpu * 1e6 / published : 0.0},
                                 {"processes_rss_mb", Mb(x1[i].rss_bytes)}};
      }
      json nats_json;
      if (v0.is_object() && v1.is_object()) {
        auto d = [&](const char* k) { return v1.value(k, 0.0) - v0.value(k, 0.0); };
        nats_json = {{"in_msgs_per_s", d("in_msgs") / dt},
                     {"out_msgs_per_s", d("out_msgs") / dt},
                     {"in_bytes_per_s", d("in_bytes") / dt},
                     {"out_bytes_per_s", d("out_bytes") / dt},
                     {"slow_consumers", d("slow_consumers")}};
        std::printf(
            "  nats: %.0f msgs/s in, %.0f msgs/s out, %.0f KB/s in, %.0f KB/s out, slow consumers +%.0f\n",
            d("in_msgs") / dt, d("out_msgs") / dt, d("in_bytes") / dt / 1024, d("out_bytes") / dt / 1024,
            d("slow_consumers"));
      }
      std::printf("  client CPU %.2f s (%.0f%% of a core) => %.3f us per delivery\n", client_cpu_s,
                  100 * client_cpu_s / dt, deliveries ? client_cpu_s * 1e6 / deliveries : 0.0);
      std::printf("  drain %s after %.2f s\n", drained ? "done" : "NOT done (server behind)", drain_s);
      json metrics = MetricDeltas(m0, m1);
      json out = result;
      if (metrics.contains("confab_store_commits_total") && metrics.contains("confab_store_events_total")) {
        double commits = metrics["confab_store_commits_total"].get<double>();
        double events = metrics["confab_store_events_total"].get<double>();
        std::printf("  store: %.0f commits, %.2f events per commit", commits, events / commits);
        if (metrics.contains("confab_store_commit_microseconds_total"))
          std::printf(", %.0f us per commit",
                      metrics["confab_store_commit_microseconds_total"].get<double>() / commits);
        std::printf("\n");
        out["events_per_commit"] = events / commits;
      }
      if (!metrics.empty()) std::printf("  /metrics deltas over the window: %s\n", metrics.dump().c_str());
      out["shape"]["rate_per_meeting"] = r;
      out["step"] = step;
      out["window"] = {{"seconds", dt},
                       {"published", published},
                       {"published_per_s", published / dt},
                       {"acked", b.acked - a.acked},
                       {"rejected", b.rejected - a.rejected},
                       {"skipped", b.skipped - a.skipped},
                       {"deliveries", deliveries},
                       {"deliveries_per_s", deliveries / dt},
                       {"expected_deliveries_per_s", static_cast<double>(published) * members / dt},
                       {"presence_diffs", b.presence_diffs - a.presence_diffs},
                       {"event_frames", b.event_frames - a.event_frames},
                       {"batch_frames", b.batch_frames - a.batch_frames},
                       {"batched_events", b.batched_events - a.batched_events},
                       {"server_cpu_s", server_cpu_s},
                       {"server_cpu_us_per_delivery", deliveries ? server_cpu_s * 1e6 / deliveries : 0.0},
                       {"server_rss_mb", Mb(c1.rss_bytes)},
                       {"server_threads", c1.threads},
                       {"client_cpu_s", client_cpu_s},
                       {"client_cpu_us_per_delivery", deliveries ? client_cpu_s * 1e6 / deliveries : 0.0},
                       {"drained", drained},
                       {"drain_s", drain_s},
                       {"metrics", metrics}};
      out["latency"] = {{"delivery", HistJson(lat)}, {"ack", HistJson(ack)}};
      if (eps.size() > 1) {
        out["latency"]["delivery_same_node"] = HistJson(same);
        out["latency"]["delivery_cross_node"] = HistJson(cross);
      }
      if (!nodes_json.empty()) out["window"]["nodes"] = nodes_json;
      if (!aux_json.empty()) out["window"]["aux"] = aux_json;
      if (!nats_json.is_null()) out["window"]["nats"] = nats_json;
      out["run"] = {{"disconnects", e.disconnects},
                    {"seq_gaps", e.seq_gaps},
                    {"seq_repeats", e.seq_repeats},
                    {"heartbeat_replies", e.heartbeat_replies}};
      steps.push_back(out);
      if (!drained && step + 1 < rates.size()) {
        std::printf("  stopping the sweep: the server did not drain within %.0f s\n", drain_max);
        break;
      }
    }
    if (disturber.joinable()) {
      disturber.join();
      std::printf("\ndisturbance at %.2f s into the window took %.3f s (exit status %d): %s\n",
                  disturb_start_s, disturb_wall_s, disturb_rc, disturb.c_str());
      if (!steps.empty())
        steps.front()["disturbance"] = {{"command", disturb},
                                        {"at_s", disturb_start_s},
                                        {"wall_s", disturb_wall_s},
                                        {"status", disturb_rc}};
    }
    stop_all();
    e = Sum(swarms);
    LatencyHistogram conn, join;
    std::map<std::string, uint64_t> reasons;
    for (auto& s : swarms) {
      conn.Merge(s->connect_time());
      join.Merge(s->join_time());
      for (auto& [k, v] : s->error_reasons()) reasons[k] += v;
    }
    std::printf("\n");
    PrintHist("connect+upgrade", conn);
    PrintHist("join", join);
    if (timeline) {
      std::vector<Swarm::Second> t;
      for (auto& s : swarms) {
        const auto& st = s->timeline();
        if (t.size() < st.size()) t.resize(st.size());
        for (size_t i = 0; i < st.size(); ++i) {
          t[i].deliveries += st[i].deliveries;
          t[i].over_10ms += st[i].over_10ms;
          t[i].max_ns = std::max(t[i].max_ns, st[i].max_ns);
        }
      }
      std::printf("  timeline (s since the first window, by receive time): deliveries / >10ms / max ms\n");
      json tl = json::array();
      for (size_t i = 0; i < t.size(); ++i) {
        std::printf("    %3zu  %8llu  %7llu  %8.1f\n", i, static_cast<unsigned long long>(t[i].deliveries),
                    static_cast<unsigned long long>(t[i].over_10ms), t[i].max_ns / 1e6);
        tl.push_back({t[i].deliveries, t[i].over_10ms, t[i].max_ns / 1e6});
      }
      if (!steps.empty()) steps.back()["timeline"] = tl;
    }
    if (!reasons.empty()) {
      std::printf("  errors:\n");
      for (auto& [k, v] : reasons)
        std::printf("    %8llu  %s\n", static_cast<unsigned long long>(v), k.c_str());
    }
    for (auto& out : steps) {
      out["join_latency"] = {{"connect", HistJson(conn)}, {"join", HistJson(join)}};
      out["errors"] = reasons;
      out["run"] = {{"disconnects", e.disconnects},
                    {"seq_gaps", e.seq_gaps},
                    {"seq_repeats", e.seq_repeats},
                    {"heartbeat_replies", e.heartbeat_replies}};
      if (!json_out.empty()) std::ofstream(json_out, std::ios::app) << out.dump() << "\n";
    }
    return 0;
  }

  stop_all();
  LatencyHistogram conn, join;
  std::map<std::string, uint64_t> reasons;
  for (auto& s : swarms) {
    conn.Merge(s->connect_time());
    join.Merge(s->join_time());
    for (auto& [k, v] : s->error_reasons()) reasons[k] += v;
  }
  PrintHist("connect+upgrade", conn);
  PrintHist("join", join);
  result["join_latency"] = {{"connect", HistJson(conn)}, {"join", HistJson(join)}};
  result["errors"] = reasons;
  if (!reasons.empty()) {
    std::printf("errors:\n");
    for (auto& [k, v] : reasons) std::printf("  %8llu  %s\n", static_cast<unsigned long long>(v), k.c_str());
  }
  if (!json_out.empty()) std::ofstream(json_out, std::ios::app) << result.dump() << "\n";
  return 0;
}
