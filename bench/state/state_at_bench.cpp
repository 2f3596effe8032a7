// state_at_bench: what GET /api/meetings/ID/state?seq=K | ?at=T costs on a long meeting.
//
// Generates a realistic meeting of --events events (views/state_at_testing.hpp: random pushes kept
// only when domain::Validate accepts them), stores it in a fresh SQLite file, then times, in one
// thread, with wall time and process CPU time (getrusage):
//   plain   folding the whole log with no snapshot (what every request would cost without them)
//   build   views::BuildSnapshots: the snapshots rooms would have written (every kSnapshotEvery)
//   first   the first query after opening the store afresh (as after a restart)
//   seq     queries at random K (persisted snapshot at or below K + fewer than kSnapshotEvery events)
//   at      queries at random times between the first and last event
//   head    queries at K = head
// StateAt caches nothing, so "first" and the rest differ only by the OS page cache. Each answer
// includes building the reply JSON (domain::ToJson), not serialising it to text.
//
// Usage: state_at_bench [--events 100000] [--queries 1000] [--seed 1] [--dir DIR]
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "domain/meeting.hpp"
#include "store/sqlite_store.hpp"
#include "util/crypto.hpp"
#include "views/snapshot_policy.hpp"
#include "views/state_at.hpp"
#include "views/state_at_testing.hpp"

namespace {

using confab::Status;
using confab::views::StateAt;
using confab::views::StateAtCost;
using Clock = std::chrono::steady_clock;

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// Resident set size now, from /proc (ru_maxrss is only the peak).
double RssMiB() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * 4096.0 / (1 << 20);
}

struct Timing {
  double wall_ms = 0;
  double cpu_ms = 0;
};

Timing Time(const std::function<void()>& fn) {
  const double cpu0 = CpuSeconds();
  const auto t0 = Clock::now();
  fn();
  return {std::chrono::duration<double, std::milli>(Clock::now() - t0).count(), (CpuSeconds() - cpu0) * 1e3};
}

// Runs `query(i)` n times; prints p50/p99/max wall ms, mean CPU ms and events folded.
void Series(const char* name, int n, const std::function<StateAtCost(int)>& query) {
  std::vector<double> wall;
  wall.reserve(n);
  int64_t folded = 0, folded_max = 0;
  const double cpu0 = CpuSeconds();
  for (int i = 0; i < n; ++i) {
    const auto t0 = Clock::now();
    StateAtCost cost = query(i);
    wall.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    folded += cost.folded;
    folded_max = std::max(folded_max, cost.folded);
  }
  const double cpu_ms = (CpuSeconds() - cpu0) * 1e3 / n;
  std::sort(wall.begin(), wall.end());
  auto pct = [&](double p) { return wall[std::min(wall.size() - 1, static_cast<size_t>(p * wall.size()))]; };
  std::printf(
      "%-6s n=%-5d p50 %7.2f ms  p99 %7.2f ms  max %7.2f ms  cpu %6.2f ms/query  folded mean %5lld max "
      "%5lld\n",
      name, n, pct(0.50), pct(0.99), wall.back(), cpu_ms, static_cast<long long>(folded / n),
      static_cast<long long>(folded_max));
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"state_at_bench: state at seq/time on a long meeting"};
  size_t events = 100'000;
  int queries = 1000;
  uint32_t seed = 1;
  std::string dir;
  app.add_option("--events", events, "events in the meeting");
  app.add_option("--queries", queries, "warm queries per series");
  app.add_option("--seed", seed, "generator seed");
  app.add_option("--dir", dir, "where the SQLite file goes (default: a fresh temp dir, removed after)");
  CLI11_PARSE(app, argc, argv);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows when piped

  const bool temp = dir.empty();
  if (temp)
    dir = (std::filesystem::temp_directory_path() / ("confab-state-bench-" + confab::RandomHex(6))).string();
  std::filesystem::create_directories(dir);
  const std::string id = "m_bench";
  {
    std::unique_ptr<confab::store::SqliteStore> store;
    Check(confab::store::SqliteStore::Open(dir + "/confab.db", &store), "open");

    std::vector<confab::store::StoredEvent> log;
    Timing gen = Time([&] { log = confab::views::testing::GenerateMeeting(id, events, seed); });
    Timing put = Time([&] { Check(confab::views::testing::StoreMeeting(*store, id, log, 1000), "append"); });
    size_t json_bytes = 0;
    std::map<std::string, int> types;
    for (const auto& e : log) json_bytes += e.json.size(), types[e.type]++;
    const int64_t first_ts = log.front().ts, last_ts = log.back().ts;
    log.clear();
    log.shrink_to_fit();
    std::printf("meeting: %zu events, %.1f MiB of event JSON; generated in %.0f ms, stored in %.0f ms\n",
                events, json_bytes / 1048576.0, gen.wall_ms, put.wall_ms);
    std::printf("types: %s\n", nlohmann::json(types).dump().c_str());

    nlohmann::json plain_state;
    Timing plain = Time([&] {
      confab::domain::Meeting m;
      Check(store->ScanEvents(id, 0,
                              [&](const confab::store::StoredEvent& e) {
                                confab::domain::Apply(m, nlohmann::json::parse(e.json));
                                return true;
                              }),
            "scan");
      plain_state = confab::domain::ToJson(m);
    });
    std::printf("plain  full fold without cache: %.0f ms wall, %.0f ms cpu\n", plain.wall_ms, plain.cpu_ms);

    int64_t written = 0;
    Timing build = Time([&] { Check(confab::views::BuildSnapshots(*store, id, &written), "snapshots"); });
    std::printf("build  %lld snapshots in %.0f ms wall, %.0f ms cpu\n", static_cast<long long>(written),
                build.wall_ms, build.cpu_ms);
    // Reopened, as after a restart: nothing of the meeting in the process.
    store.reset();
    Check(confab::store::SqliteStore::Open(dir + "/confab.db", &store), "reopen");

    StateAt cache;
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int64_t> any_seq(1, static_cast<int64_t>(events));
    std::uniform_int_distribution<int64_t> any_time(first_ts, last_ts);
    nlohmann::json out;
    const double rss0 = RssMiB();
    StateAtCost first_cost;
    Timing first = Time([&] { Check(cache.AtSeq(*store, id, any_seq(rng), &out, &first_cost), "first"); });
    std::printf(
        "first  query after reopen: %.1f ms wall, %.1f ms cpu (snapshot %lld, folded %lld, RSS +%.1f MiB)\n",
        first.wall_ms, first.cpu_ms, static_cast<long long>(first_cost.snapshot_seq),
        static_cast<long long>(first_cost.folded), RssMiB() - rss0);

    auto run = [&](auto&& call) {
      StateAtCost cost;
      Check(call(&cost), "query");
      return cost;
    };
    Series("seq", queries, [&](int) {
      return run([&](StateAtCost* c) { return cache.AtSeq(*store, id, any_seq(rng), &out, c); });
    });
    Series("at", queries, [&](int) {
      return run([&](StateAtCost* c) { return cache.AtTime(*store, id, any_time(rng), &out, c); });
    });
    Series("head", queries, [&](int) {
      return run(
          [&](StateAtCost* c) { return cache.AtSeq(*store, id, static_cast<int64_t>(events), &out, c); });
    });
    if (out["state"] != plain_state) {
      std::fprintf(stderr, "state at head differs from the plain fold\n");
      return 1;
    }
    std::printf("check  state at head == plain fold: ok\n");
  }
  if (temp) std::filesystem::remove_all(dir);
  return 0;
}
