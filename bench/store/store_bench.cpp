// store_bench: how many durable appends per second the store sustains, and at what latency, when K
// rooms append concurrently, each waiting for its ack before its next append (pipelining depth 1, as
// a room whose clients push one event at a time; --depth raises it). SQLite always; with --pg URL
// also PostgreSQL, in a fresh schema of that database, row by row beside SQLite.
//
// Two ways to drive the rooms:
//   --mode io       one driver thread owns every room, like the server's io thread: acks are handed
//                   back to it through a queue, and it issues each room's next append (default).
//   --mode threads  one OS thread per room, blocking on its own ack.
// Every ack means the event is on disk (SQLite: WAL, synchronous=FULL, fsync per group commit;
// PostgreSQL: COMMIT with synchronous_commit on).
//
// CPU per append is split: the whole bench process, its store-writer thread, and (PostgreSQL, when
// the server runs on this machine) every process of the server: postmaster and its children, read
// from /proc before and after.
//
// Usage: store_bench [--rooms 1,8,64,512] [--seconds 3] [--depth 1] [--payload 120] [--dir DIR] [--mode io]
//                    [--pg postgres://user@host:port/db] [--only-pg]
#include <libpq-fe.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/store.hpp"
#include "util/crypto.hpp"

namespace {

using confab::Status;
using namespace confab::store;
using Clock = std::chrono::steady_clock;

struct Options {
  std::vector<int> rooms = {1, 8, 64, 512};
  double seconds = 3;
  int depth = 1;
  int payload = 120;  // characters of card title: a typical card_added event is ~250 bytes of JSON
  std::string dir;
  std::string mode = "io";
  std::string pg;  // a PostgreSQL URL: run there too
  bool only_pg = false;
};

struct Result {
  int rooms = 0;
  uint64_t appends = 0;
  double elapsed_s = 0;
  StoreStats stats;
  double cpu_us_per_append = 0;
  double writer_cpu_us_per_append = 0;   // the store's writer thread alone
  double server_cpu_us_per_append = -1;  // the PostgreSQL server's processes (-1: not measured)
  double p50_us = 0, p99_us = 0, max_us = 0;
};

// CPU seconds of this process's threads named `name` (the store names its writer "store-writer"),
// from /proc/self/task/*/stat (10 ms resolution).
double ThreadCpuSeconds(const std::string& name) {
  double total = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::ifstream comm(task.path() / "comm");
    std::string c;
    std::getline(comm, c);
    if (c != name) continue;
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    // Fields after the ")" that ends comm: state is field 3; utime, stime are fields 14, 15.
    std::istringstream rest(line.substr(line.rfind(')') + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
      if (i == 14) utime = std::stoull(field);
      if (i == 15) stime = std::stoull(field);
    }
    total += static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return total;
}

double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

// utime + stime of one process, in seconds (0 when it is gone).
double ProcessCpuSeconds(const std::string& stat_path, long* ppid) {
  std::ifstream stat(stat_path);
  std::string line;
  if (!std::getline(stat, line)) return 0;
  std::istringstream rest(line.substr(line.rfind(')') + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 4 && ppid) *ppid = std::stol(field);
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// CPU seconds of every process of the PostgreSQL server whose postmaster is `postmaster` (the
// postmaster itself, backends, walwriter, checkpointer, ...), by pid: a backend that exits between two
// readings loses its share, which none does while the benchmark holds its connections.
std::map<long, double> ServerCpu(long postmaster) {
  std::map<long, double> out;
  std::error_code ec;
  for (const auto& proc : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = proc.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    long ppid = 0;
    const double cpu = ProcessCpuSeconds((proc.path() / "stat").string(), &ppid);
    const long pid = std::stol(name);
    if (pid == postmaster || ppid == postmaster) out[pid] = cpu;
  }
  return out;
}

double CpuDelta(const std::map<long, double>& before, const std::map<long, double>& after) {
  double total = 0;
  for (const auto& [pid, cpu] : after) {
    auto it = before.find(pid);
    total += cpu - (it == before.end() ? 0 : it->second);
  }
  return total;
}

// A fresh schema on a PostgreSQL server for one run, dropped on destruction.
class PgSchema {
 public:
  explicit PgSchema(std::string server)
      : server_(std::move(server)), name_("confab_bench_" + confab::RandomHex(6)) {
    Exec("CREATE SCHEMA " + name_);
    url_ =
        server_ + (server_.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_;
  }
  ~PgSchema() { Exec("DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }
  const std::string& url() const { return url_; }
  // The server's postmaster pid, when it runs on this machine (0 otherwise).
  long Postmaster() const {
    PGconn* c = PQconnectdb(server_.c_str());
    long postmaster = 0;
    PGresult* r = PQexec(c, "SELECT pg_backend_pid()");
    if (PQresultStatus(r) == PGRES_TUPLES_OK) {
      const std::string stat = "/proc/" + std::string(PQgetvalue(r, 0, 0)) + "/stat";
      if (std::filesystem::exists(stat)) ProcessCpuSeconds(stat, &postmaster);
    }
    PQclear(r);
    PQfinish(c);
    return postmaster;
  }

 private:
  void Exec(const std::string& sql) const {
    PGconn* c = PQconnectdb(server_.c_str());
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
      std::fprintf(stderr, "store_bench: %s: %s", sql.c_str(), PQerrorMessage(c));
      std::exit(2);
    }
    PQclear(r);
    PQfinish(c);
  }
  std::string server_, name_, url_;
};

// One room's state: its meeting, its next seq, and when each in-flight append was sent.
struct Room {
  std::string meeting;
  int64_t next_seq = 2;  // seq 1 is meeting_created
  std::string title;
};

AppendRequest NextAppend(Room& room) {
  StoredEvent e;
  e.meeting_id = room.meeting;
  e.seq = room.next_seq++;
  e.id = room.meeting + "-" + std::to_string(e.seq);
  e.type = "card_added";
  e.actor_pid = "p_0123456789abcdef";
  e.ts = std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count();
  // Built by hand rather than through nlohmann::json: the same shape and size as a room's event,
  // without charging a JSON library's CPU to the store.
  e.json = "{\"seq\":" + std::to_string(e.seq) + ",\"id\":\"" + e.id + "\",\"type\":\"" + e.type +
           "\",\"actor\":{\"pid\":\"" + e.actor_pid +
           "\",\"name\":\"Ada Lovelace\"},\"ts\":" + std::to_string(e.ts) + ",\"data\":{\"card_id\":\"k_" +
           std::to_string(e.seq) + "\",\"title\":\"" + room.title + "\"}}";
  AppendRequest req;
  req.meeting_id = room.meeting;
  req.prev_id = room.meeting + "-" + std::to_string(e.seq - 1);  // ids are meeting-seq
  req.events.push_back(std::move(e));
  return req;
}

// Pushes appends until the deadline; every append's Append→ack latency lands in `latencies`.
void DriveIoStyle(Store& store, std::vector<Room>& rooms, int depth, Clock::time_point deadline,
                  std::vector<double>* latencies, std::atomic<uint64_t>* failures) {
  // Acks come back on the writer thread; like the server, hand them to the driver ("io") thread.
  std::mutex mu;
  std::condition_variable cv;
  std::vector<size_t> ready;
  size_t in_flight = 0;

  auto send = [&](size_t r) {
    const auto sent = Clock::now();
    store.Append(NextAppend(rooms[r]), [&, r, sent](Status s) {
      const double us = std::chrono::duration<double, std::micro>(Clock::now() - sent).count();
      if (!s.ok()) failures->fetch_add(1);
      std::lock_guard lock(mu);
      latencies->push_back(us);  // under mu: only the writer thread appends, the driver reads at the end
      ready.push_back(r);
      cv.notify_one();
    });
  };
  for (size_t r = 0; r < rooms.size(); ++r) {
    for (int d = 0; d < depth; ++d) send(r);
  }
  in_flight = rooms.size() * static_cast<size_t>(depth);
  std::vector<size_t> batch;
  while (in_flight > 0) {
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [&] { return !ready.empty(); });
      batch.swap(ready);
    }
    in_flight -= batch.size();
    if (Clock::now() < deadline) {
      for (size_t r : batch) send(r);
      in_flight += batch.size();
    }
    batch.clear();
  }
}

void DriveThreadPerRoom(Store& store, std::vector<Room>& rooms, int depth, Clock::time_point deadline,
                        std::vector<double>* latencies, std::atomic<uint64_t>* failures) {
  std::vector<std::vector<double>> per_room(rooms.size());
  std::vector<std::thread> threads;
  for (size_t r = 0; r < rooms.size(); ++r) {
    threads.emplace_back([&, r] {
      while (Clock::now() < deadline) {
        std::vector<std::future<Status>> acks;
        std::vector<Clock::time_point> sent;
        for (int d = 0; d < depth; ++d) {
          auto p = std::make_shared<std::promise<Status>>();
          acks.push_back(p->get_future());
          sent.push_back(Clock::now());
          store.Append(NextAppend(rooms[r]), [p](Status s) { p->set_value(std::move(s)); });
        }
        for (int d = 0; d < depth; ++d) {
          if (!acks[d].get().ok()) failures->fetch_add(1);
          per_room[r].push_back(std::chrono::duration<double, std::micro>(Clock::now() - sent[d]).count());
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (auto& v : per_room) latencies->insert(latencies->end(), v.begin(), v.end());
}

Result RunOnce(const Options& opt, int room_count, const std::string& url, long postmaster) {
  std::unique_ptr<Store> store;
  if (Status s = OpenStore(url, &store); !s.ok()) {
    std::fprintf(stderr, "store_bench: %s\n", s.ToString().c_str());
    std::exit(2);
  }
  std::vector<Room> rooms(static_cast<size_t>(room_count));
  for (int r = 0; r < room_count; ++r) {
    rooms[r].meeting = confab::RandomHex(16);
    rooms[r].title = std::string(static_cast<size_t>(opt.payload), 'x');
    AppendRequest create;
    create.meeting_id = rooms[r].meeting;
    create.create = MeetingRecord{rooms[r].meeting, confab::HashSecret(confab::RandomHex(16)), 0};
    StoredEvent e;
    e.seq = 1;
    e.id = rooms[r].meeting + "-1";
    e.type = "meeting_created";
    e.json = "{}";
    create.events.push_back(e);
    store->Append(std::move(create), nullptr);
  }
  store->Flush();

  const StoreStats before = store->Stats();
  std::vector<double> latencies;
  latencies.reserve(1 << 20);
  std::atomic<uint64_t> failures{0};
  const double cpu0 = CpuSeconds();
  const double writer_cpu0 = ThreadCpuSeconds("store-writer");
  const std::map<long, double> server_cpu0 = postmaster ? ServerCpu(postmaster) : std::map<long, double>();
  const auto start = Clock::now();
  const auto deadline =
      start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(opt.seconds));
  if (opt.mode == "threads") {
    DriveThreadPerRoom(*store, rooms, opt.depth, deadline, &latencies, &failures);
  } else {
    DriveIoStyle(*store, rooms, opt.depth, deadline, &latencies, &failures);
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = CpuSeconds() - cpu0;
  const double writer_cpu = ThreadCpuSeconds("store-writer") - writer_cpu0;
  const double server_cpu = postmaster ? CpuDelta(server_cpu0, ServerCpu(postmaster)) : -1;
  const StoreStats after = store->Stats();
  if (failures.load() > 0) {
    std::fprintf(stderr, "store_bench: %llu appends failed\n",
                 static_cast<unsigned long long>(failures.load()));
    std::exit(1);
  }

  Result res;
  res.rooms = room_count;
  res.appends = after.appends - before.appends;
  res.elapsed_s = elapsed;
  res.stats.commits = after.commits - before.commits;
  res.stats.events = after.events - before.events;
  res.stats.commit_micros = after.commit_micros - before.commit_micros;
  res.stats.max_batch_events = after.max_batch_events;
  res.stats.index_flushes = after.index_flushes - before.index_flushes;
  res.stats.checkpoints = after.checkpoints - before.checkpoints;
  res.writer_cpu_us_per_append = res.appends ? writer_cpu * 1e6 / static_cast<double>(res.appends) : 0;
  res.cpu_us_per_append = res.appends ? cpu * 1e6 / static_cast<double>(res.appends) : 0;
  if (postmaster && res.appends)
    res.server_cpu_us_per_append = server_cpu * 1e6 / static_cast<double>(res.appends);
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    return latencies.empty()
               ? 0.0
               : latencies[std::min(latencies.size() - 1, static_cast<size_t>(p * latencies.size()))];
  };
  res.p50_us = pct(0.50);
  res.p99_us = pct(0.99);
  res.max_us = latencies.empty() ? 0 : latencies.back();
  return res;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  CLI::App app{
      "store_bench: durable appends/s of the event log (SQLite, and PostgreSQL with --pg) with K rooms"};
  app.add_option("--rooms", opt.rooms, "room counts to run, e.g. 1,8,64,512")->delimiter(',');
  app.add_option("--seconds", opt.seconds, "measured seconds per room count");
  app.add_option("--depth", opt.depth, "appends each room keeps in flight (1: wait for every ack)")
      ->check(CLI::Range(1, 1024));
  app.add_option("--payload", opt.payload, "card title length in characters")->check(CLI::Range(0, 100000));
  app.add_option("--dir", opt.dir, "directory for the temporary database (default: system temp dir)");
  app.add_option("--mode", opt.mode, "io: one driver thread like the server; threads: a thread per room")
      ->check(CLI::IsMember({"io", "threads"}));
  app.add_option("--pg", opt.pg, "also run against this PostgreSQL server (a fresh schema per run)");
  app.add_flag("--only-pg", opt.only_pg, "skip SQLite (with --pg)");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::path dir =
      opt.dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(opt.dir);
  dir /= "confab-store-bench-" + confab::RandomHex(6);
  std::filesystem::create_directories(dir);

  std::printf("mode=%s depth=%d payload=%d seconds=%.1f db=%s (WAL, synchronous=FULL)%s\n", opt.mode.c_str(),
              opt.depth, opt.payload, opt.seconds, dir.c_str(), opt.pg.empty() ? "" : " + PostgreSQL");
  std::printf("%-8s %6s %10s %12s %13s %10s %10s %9s %9s %10s %11s %11s %11s %7s %6s\n", "store", "rooms",
              "appends", "appends/s", "events/commit", "commits/s", "commit_us", "p50_us", "p99_us", "max_us",
              "cpu_us/app", "writer_us", "server_us", "idx_fl", "ckpt");
  for (int k : opt.rooms) {
    std::vector<std::string> stores;
    if (!opt.only_pg || opt.pg.empty()) stores.push_back("sqlite");
    if (!opt.pg.empty()) stores.push_back("postgres");
    for (const std::string& kind : stores) {
      std::unique_ptr<PgSchema> schema;
      std::string url = "sqlite:" + (dir / ("k" + std::to_string(k) + ".db")).string();
      long postmaster = 0;
      if (kind == "postgres") {
        schema = std::make_unique<PgSchema>(opt.pg);
        url = schema->url();
        postmaster = schema->Postmaster();
      }
      Result r = RunOnce(opt, k, url, postmaster);
      const double per_commit = r.stats.commits ? static_cast<double>(r.stats.events) / r.stats.commits : 0;
      const double commit_us =
          r.stats.commits ? static_cast<double>(r.stats.commit_micros) / r.stats.commits : 0;
      char server[32] = "-";
      if (r.server_cpu_us_per_append >= 0)
        std::snprintf(server, sizeof server, "%.1f", r.server_cpu_us_per_append);
      std::printf(
          "%-8s %6d %10llu %12.0f %13.1f %10.0f %10.0f %9.0f %9.0f %10.0f %11.1f %11.1f %11s %7llu %6llu\n",
          kind.c_str(), r.rooms, static_cast<unsigned long long>(r.appends), r.appends / r.elapsed_s,
          per_commit, r.stats.commits / r.elapsed_s, commit_us, r.p50_us, r.p99_us, r.max_us,
          r.cpu_us_per_append, r.writer_cpu_us_per_append, server,
          static_cast<unsigned long long>(r.stats.index_flushes),
          static_cast<unsigned long long>(r.stats.checkpoints));
      std::fflush(stdout);
    }
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
