#pragma once
// What the load generator reads about the server under test from outside: CPU time and memory from
// /proc/PID (Linux), and the Prometheus text of GET /metrics.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace confab::bench {

struct ProcessSample {
  bool ok = false;
  int64_t cpu_ns = 0;     // utime + stime of all threads, live and exited (clock-tick resolution)
  int64_t rss_bytes = 0;  // VmRSS
  int64_t hwm_bytes = 0;  // VmHWM: peak RSS
  int threads = 0;
};

// Samples /proc/PID/stat and /proc/PID/status. ok=false when the process is gone.
ProcessSample SampleProcess(int pid);
// Same for the calling process.
ProcessSample SampleSelf();
// PID and its direct children summed (e.g. a postmaster and its backends): CPU of the live processes
// (plus what exited children left in PID's cutime/cstime), RSS summed (shared pages counted again in
// each process: an upper bound), threads summed. ok=false when PID is gone.
ProcessSample SampleTree(int pid);

// Parses Prometheus text exposition: "name{labels} value" per line; comments skipped. The map key is
// the series as written ("name{labels}").
std::map<std::string, double> ParsePrometheus(std::string_view text);

}  // namespace confab::bench
