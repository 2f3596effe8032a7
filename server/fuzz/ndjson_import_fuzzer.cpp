// Fuzzes `confab import` (cli/log_commands.hpp ImportMeeting): NDJSON from a file nobody vetted, into a
// real SqliteStore (a temp file, on /dev/shm when there is one; removed at exit).
//
// Invariants:
//  - exit code 0 or 1 (bad input), never 2 (the store failed) and never a crash or throw;
//  - all or nothing: a refused import leaves no meeting behind; a refusal names a line or says why;
//  - an accepted import exports byte for byte the lines it was given (right-trimmed, blank lines
//    dropped), as log_commands.hpp promises;
//  - its events (only their shape was checked, not the domain rules) still fold: every state reached
//    restores from its snapshot (FromJson(ToJson)) and folding the tail onto a restored state gives
//    the full fold — what BuildSnapshots and every later join of the imported meeting rely on.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "cli/log_commands.hpp"
#include "domain/meeting.hpp"
#include "store/sqlite_store.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "ndjson_import invariant broken: %s\n", what);
    abort();
  }
}

fs::path& StoreDir() {
  static fs::path dir;
  return dir;
}

confab::store::SqliteStore& TheStore() {
  static std::unique_ptr<confab::store::SqliteStore> store = [] {
    std::string tmpl = (fs::is_directory("/dev/shm") && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    tmpl += "/confab-fuzz-import-XXXXXX";
    Check(mkdtemp(tmpl.data()) != nullptr, "a temp dir for the store");
    StoreDir() = tmpl;
    std::atexit([] {
      std::error_code ec;
      fs::remove_all(StoreDir(), ec);
    });
    std::unique_ptr<confab::store::SqliteStore> s;
    const auto status = confab::store::SqliteStore::Open((StoreDir() / "fuzz.db").string(), &s);
    if (!status.ok()) {
      fprintf(stderr, "cannot open the store: %s\n", status.ToString().c_str());
      abort();
    }
    return s;
  }();
  return *store;
}

// What an import of `input` must export: each non-blank line, right-trimmed, then "\n".
std::string ExpectedExport(const std::string& input, size_t* lines) {
  std::string out;
  *lines = 0;
  std::istringstream in(input);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t'))
      line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    out += line + "\n";
    ++*lines;
  }
  return out;
}

// Folds `events` from scratch, and from a restored snapshot at every position; all must agree.
void CheckFolds(const std::vector<json>& events) {
  using namespace confab::domain;
  std::vector<json> states;  // canonical state after 0, 1, … events
  Meeting m;
  states.push_back(ToJson(m));
  for (const json& e : events) {
    Apply(m, e);
    states.push_back(ToJson(m));
  }
  // Cutting at every position costs O(n^2) folds: bounded by the input size (max_len).
  for (size_t cut = 0; cut < states.size(); ++cut) {
    std::optional<Meeting> restored = FromJson(json::parse(states[cut].dump()));
    if (!restored) {
      fprintf(stderr, "the state after %zu imported events does not restore:\n%s\n", cut,
              states[cut].dump().c_str());
      abort();
    }
    for (size_t i = cut; i < events.size(); ++i) Apply(*restored, events[i]);
    if (ToJson(*restored) != states.back()) {
      fprintf(stderr, "snapshot at %zu + tail differs from the full fold\n", cut);
      abort();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  TheStore();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static uint64_t counter = 0;
  auto& store = TheStore();
  const std::string input(reinterpret_cast<const char*>(data), size);
  const std::string id = "fz" + std::to_string(++counter);

  std::istringstream in(input);
  std::ostringstream out, err;
  const int rc = confab::cli::ImportMeeting(store, in, id, out, err);
  if (rc != 0 && rc != 1) {
    fprintf(stderr, "import exited %d: %s\n", rc, err.str().c_str());
    abort();
  }
  confab::store::MeetingRecord record;
  if (rc == 1) {
    Check(!err.str().empty(), "a refusal says why");
    Check(out.str().empty(), "a refusal prints no result");
    Check(store.GetMeeting(id, &record).code() == confab::Status::Code::kNotFound,
          "a refused import writes nothing");
    return 0;
  }

  size_t lines = 0;
  const std::string expected = ExpectedExport(input, &lines);
  const json result = json::parse(out.str(), nullptr, false);
  Check(result.is_object() && result.value("id", "") == id, "the result names the meeting");
  Check(result.value("events", size_t{0}) == lines, "the result counts every non-blank line");
  Check(store.GetMeeting(id, &record).ok(), "an accepted import has a meeting row");

  std::ostringstream exported, export_err;
  Check(confab::cli::ExportMeeting(store, id, exported, export_err) == 0, "an imported meeting exports");
  if (exported.str() != expected) {
    fprintf(stderr, "export differs from the import:\n--- imported\n%s--- exported\n%s", expected.c_str(),
            exported.str().c_str());
    abort();
  }

  std::vector<json> events;
  std::istringstream back(expected);
  for (std::string line; std::getline(back, line);) events.push_back(json::parse(line));
  CheckFolds(events);
  return 0;
}
