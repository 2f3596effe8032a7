#include "server_probe.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace confab::bench {
namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream f(path);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

int64_t StatusKb(const std::string& status, std::string_view key) {
  size_t at = status.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoll(status.c_str() + at + key.size(), nullptr, 10);
}

// Fields after "(comm)" of /proc/PID/stat (0 = state, 1 = ppid, 11 = utime, …); empty when unreadable.
std::vector<std::string> StatFields(const std::string& dir) {
  std::string stat;
  std::vector<std::string> f;
  if (!ReadFile(dir + "/stat", &stat)) return f;
  size_t close = stat.rfind(')');
  if (close == std::string::npos || close + 2 > stat.size()) return f;
  std::istringstream in(stat.substr(close + 2));
  std::string tok;
  while (in >> tok) f.push_back(tok);
  return f;
}

ProcessSample Sample(const std::string& dir) {
  ProcessSample s;
  std::string stat, status;
  if (!ReadFile(dir + "/stat", &stat) || !ReadFile(dir + "/status", &status)) return s;
  // Fields after "(comm)": state is field 3, utime 14, stime 15, num_threads 20 (1-based, man proc).
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream in(stat.substr(close + 2));
  std::vector<std::string> f;
  std::string tok;
  while (in >> tok) f.push_back(tok);
  if (f.size() < 18) return s;
  long tick = sysconf(_SC_CLK_TCK);
  int64_t ticks = std::stoll(f[11]) + std::stoll(f[12]);
  s.cpu_ns = ticks * (1'000'000'000 / tick);
  s.threads = std::stoi(f[17]);
  s.rss_bytes = StatusKb(status, "VmRSS:") * 1024;
  s.hwm_bytes = StatusKb(status, "VmHWM:") * 1024;
  s.ok = true;
  return s;
}

}  // namespace

ProcessSample SampleProcess(int pid) {
  return Sample("/proc/" + std::to_string(pid));
}
ProcessSample SampleSelf() {
  return Sample("/proc/self");
}

ProcessSample SampleTree(int pid) {
  ProcessSample total = SampleProcess(pid);
  if (!total.ok) return total;
  std::vector<std::string> own = StatFields("/proc/" + std::to_string(pid));
  long tick = sysconf(_SC_CLK_TCK);
  if (own.size() > 14) total.cpu_ns += (std::stoll(own[13]) + std::stoll(own[14])) * (1'000'000'000 / tick);
  const std::string parent = std::to_string(pid);
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name == parent) continue;
    std::vector<std::string> f = StatFields(entry.path().string());
    if (f.size() < 2 || f[1] != parent) continue;
    ProcessSample c = Sample(entry.path().string());
    if (!c.ok) continue;
    total.cpu_ns += c.cpu_ns;
    total.rss_bytes += c.rss_bytes;
    total.hwm_bytes += c.hwm_bytes;
    total.threads += c.threads;
  }
  return total;
}

std::map<std::string, double> ParsePrometheus(std::string_view text) {
  std::map<std::string, double> out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty() || line[0] == '#') continue;
    // The value follows the last space outside the label braces; an optional timestamp may follow it.
    size_t brace = line.rfind('}');
    size_t sp = line.find(' ', brace == std::string_view::npos ? 0 : brace);
    if (sp == std::string_view::npos) continue;
    std::string name(line.substr(0, sp));
    std::string value(line.substr(sp + 1));
    char* end = nullptr;
    double v = std::strtod(value.c_str(), &end);
    if (end == value.c_str()) continue;
    out[name] = v;
  }
  return out;
}

}  // namespace confab::bench
