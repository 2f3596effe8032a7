// Runs every case of every conformance/*.json file (format: conformance/README.md) against this
// domain; web/src/domain/conformance.test.ts runs the same files against the TypeScript one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/meeting.hpp"

namespace confab::domain {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path ConformanceDir() {
  if (const char* dir = std::getenv("CONFAB_CONFORMANCE_DIR")) return dir;
  // server/src/domain/conformance_test.cpp -> conformance/
  return fs::path(__FILE__).parent_path() / ".." / ".." / ".." / "conformance";
}

std::vector<fs::path> CaseFiles() {
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(ConformanceDir(), ec)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json ReadJson(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

// Each top-level key of `expected` must deep-equal the state's (or the stored event's; numbers compare by
// value).
void CheckState(const json& state, const json& expected, const std::string& where,
                std::vector<std::string>& failures, const std::string& what = "state") {
  for (const auto& [key, value] : expected.items()) {
    if (!state.contains(key) || state.at(key) != value) {
      failures.push_back(where + ": " + what + "." + key + " is " +
                         (state.contains(key) ? state.at(key).dump() : "missing") + ", expected " +
                         value.dump());
    }
  }
}

// The runner's position: the state and the counters conformance/README.md defines.
struct Runner {
  Meeting m;
  int64_t seq = 0;
  int64_t clock = 0;
};

// The runner a restore starts from: counters come from the state, which is all a snapshot carries.
Runner RestoredRunner(Meeting m) {
  const int64_t seq = m.last_seq, clock = m.last_ts;
  return Runner{std::move(m), seq, clock};
}

// What one step did: its outcome ("ok", a reject reason, "not_canonical"), and whether the state is now
// that of a stored position (an event, a stored push or a restore), where a snapshot may be cut.
struct StepResult {
  std::string outcome;
  bool stored = false;
  json event = nullptr;  // what an accepted push wrote (its stored or transient event), else null
};

StepResult RunEvent(Runner& r, json event) {
  int64_t ts = event.contains("ts") ? event.at("ts").get<int64_t>() : r.clock + 1000;
  r.seq = event.contains("seq") ? event.at("seq").get<int64_t>() : r.seq + 1;
  r.clock = ts;
  event["seq"] = r.seq;
  event["ts"] = ts;
  if (!event.contains("id")) event["id"] = "e" + std::to_string(r.seq);
  if (!event.contains("data")) event["data"] = json::object();
  Apply(r.m, event);
  return {"ok", true};
}

StepResult RunPush(Runner& r, const json& step, size_t i) {
  int64_t ts = step.contains("ts") ? step.at("ts").get<int64_t>() : r.clock + 1000;
  r.clock = ts;
  const json& push = step.at("push");
  const json& a = push.at("actor");
  Actor actor{a.at("pid").get<std::string>(), a.at("name").get<std::string>(),
              a.value("role", "participant") == "facilitator" ? Role::kFacilitator : Role::kParticipant};
  if (a.contains("seals")) {
    for (const auto& [card_id, seal] : a.at("seals").items())
      actor.seals.emplace(card_id, seal.get<std::string>());
  }
  std::string type = push.at("type").get<std::string>();
  const json& data = push.at("data");
  if (auto reason = Validate(r.m, actor, type, data)) return {*reason, false};
  const EventSpec* spec = FindEventType(type);
  bool transient = spec != nullptr && spec->replay == ReplayClass::kTransient;
  // What the server writes: the cases prove ToStore (an anonymous card's events name nobody).
  Stored stored = ToStore(r.m, actor, type, data);
  json event = {{"type", type}, {"actor", stored.actor}, {"ts", ts}, {"data", stored.data}};
  if (!transient) event["seq"] = ++r.seq;
  event["id"] = step.contains("id") ? step.at("id").get<std::string>()
                : transient         ? "t" + std::to_string(i + 1)
                                    : "e" + std::to_string(r.seq);
  Apply(r.m, event);
  return {"ok", !transient, event};
}

// A refused restore leaves the runner as it was, counters included.
StepResult RunRestore(Runner& r, const json& state) {
  std::optional<Meeting> m = FromJson(state);
  if (!m) return {"not_canonical", false};
  r = RestoredRunner(std::move(*m));
  return {"ok", true};
}

std::optional<StepResult> RunStep(Runner& r, const json& step, size_t i) {
  if (step.contains("event")) return RunEvent(r, step.at("event"));
  if (step.contains("push")) return RunPush(r, step, i);
  if (step.contains("restore")) return RunRestore(r, step.at("restore"));
  return std::nullopt;
}

// A push or restore must end as its "expect" says (default "ok"); an event step has no outcome to check.
void CheckOutcome(const json& step, const std::string& outcome, const std::string& where,
                  std::vector<std::string>& failures) {
  if (step.contains("event")) return;
  const json expect = step.value("expect", json("ok"));
  const std::string wanted = expect.is_string() ? "ok" : expect.at("reject").get<std::string>();
  if (outcome == wanted) return;
  const std::string label =
      step.contains("push") ? " (" + step.at("push").at("type").get<std::string>() + ")" : " (restore)";
  failures.push_back(where + label + ": got " + outcome + ", expected " + wanted);
}

struct Run {
  std::vector<std::string> failures;
  std::map<size_t, std::string> outcomes;   // by step index, from the first step run on
  std::vector<size_t> stored;               // steps after which the state is a stored position
  std::map<size_t, std::string> snapshots;  // the canonical JSON text after each step of `snapshot_at`
  Meeting state;                            // after the last step
};

// Whether a run checks the steps' expect / expect_state: a run after a snapshot cut compares its outcomes
// and final state with the plain run's instead, which checked them (and re-checking costs quadratic time).
enum class Expectations { kCheck, kSkip };

// Runs steps[from..] on `r`, checking (or not) the expectations of those steps and of the case.
Run RunSteps(const json& c, Runner r, size_t from, Expectations expectations = Expectations::kCheck,
             const std::set<size_t>& snapshot_at = {}) {
  Run out;
  const bool check = expectations == Expectations::kCheck;
  const json& steps = c.at("steps");
  for (size_t i = from; i < steps.size(); ++i) {
    const json& step = steps[i];
    const std::string where = "step " + std::to_string(i + 1);
    std::optional<StepResult> result = RunStep(r, step, i);
    if (!result) {
      out.failures.push_back(where + ": none of \"event\", \"push\", \"restore\"");
      out.outcomes[i] = "malformed";
    } else {
      if (check) CheckOutcome(step, result->outcome, where, out.failures);
      out.outcomes[i] = result->outcome;
      if (result->stored) out.stored.push_back(i);
    }
    if (check && step.contains("expect_stored")) {
      const json& event = result ? result->event : json(nullptr);
      if (event.is_null()) {
        out.failures.push_back(where + ": expect_stored, but nothing was written");
      } else {
        CheckState(event, step.at("expect_stored"), where, out.failures, "stored event");
      }
    }
    if (snapshot_at.count(i) != 0) out.snapshots[i] = ToJson(r.m).dump();
    if (check && step.contains("expect_state"))
      CheckState(ToJson(r.m), step.at("expect_state"), where, out.failures);
  }
  if (check && c.contains("expect_state")) CheckState(ToJson(r.m), c.at("expect_state"), "end", out.failures);
  out.state = std::move(r.m);
  return out;
}

std::vector<std::string> RunCase(const json& c) {
  return RunSteps(c, Runner{}, 0).failures;
}

// Where a case is cut for the snapshot property: after every stored position of a short case, else at
// kSnapshotCuts positions spread evenly plus the last (a long case would cost quadratic time). The same
// choice as web/src/domain/conformance.ts.
constexpr size_t kShortCaseSteps = 200, kSnapshotCuts = 50;

std::set<size_t> SnapshotCuts(size_t step_count, const std::vector<size_t>& stored) {
  if (step_count <= kShortCaseSteps || stored.size() <= kSnapshotCuts) return {stored.begin(), stored.end()};
  std::set<size_t> cuts;
  for (size_t j = 0; j < kSnapshotCuts; ++j) cuts.insert(stored[j * stored.size() / kSnapshotCuts]);
  cuts.insert(stored.back());
  return cuts;
}

// The snapshot property (conformance/README.md): cut the plain run after a stored position, restore the
// state from its canonical JSON text, run the remaining steps — every outcome after the cut and the final
// state must be the plain run's. Returns the failures; adds the cuts tried to `cut_count`.
std::vector<std::string> CheckSnapshots(const json& c, size_t& cut_count) {
  const Run plain = RunSteps(c, Runner{}, 0, Expectations::kSkip);
  const std::set<size_t> cuts = SnapshotCuts(c.at("steps").size(), plain.stored);
  const Run with_snapshots = RunSteps(c, Runner{}, 0, Expectations::kSkip, cuts);
  const json want = ToJson(plain.state);
  std::vector<std::string> failures;
  for (size_t k : cuts) {
    ++cut_count;
    const std::string where = "cut after step " + std::to_string(k + 1);
    std::optional<Meeting> restored = FromJson(json::parse(with_snapshots.snapshots.at(k)));
    if (!restored) {
      failures.push_back(where + ": the state's JSON does not restore");
      continue;
    }
    const Run tail = RunSteps(c, RestoredRunner(std::move(*restored)), k + 1, Expectations::kSkip);
    auto differs = std::find_if(plain.outcomes.upper_bound(k), plain.outcomes.end(),
                                [&](const auto& o) { return tail.outcomes.at(o.first) != o.second; });
    if (differs != plain.outcomes.end()) {
      failures.push_back(where + ": step " + std::to_string(differs->first + 1) + " got " +
                         tail.outcomes.at(differs->first) + ", the plain run " + differs->second);
    } else if (const json got = ToJson(tail.state); got != want) {
      failures.push_back(where + ": final state " + got.dump() + ", the plain run " + want.dump());
    }
  }
  return failures;
}

const char* ReplayName(ReplayClass r) {
  return r == ReplayClass::kState ? "state" : r == ReplayClass::kMoment ? "moment" : "transient";
}

const char* WhoName(Who w) {
  switch (w) {
    case Who::kAny:
      return "any";
    case Who::kFacilitator:
      return "facilitator";
    case Who::kAuthor:
      return "author";
    case Who::kSelf:
      return "self";
    case Who::kServer:
      return "server";
  }
  return "?";
}

// A file may fix the catalogue and the emoji set; ours must be exactly that.
void CheckCatalogue(const json& doc, const std::string& file) {
  if (doc.contains("catalogue")) {
    json ours = json::object();
    for (const EventSpec& spec : Catalogue()) {
      ours[std::string(spec.type)] = {
          {"replay", ReplayName(spec.replay)}, {"server_only", spec.server_only}, {"who", WhoName(spec.who)}};
    }
    EXPECT_EQ(ours, doc.at("catalogue")) << file;
  }
  if (doc.contains("emoji")) {
    for (const auto& [emoji, score] : doc.at("emoji").items()) {
      EXPECT_EQ(EmojiSentiment(emoji), std::optional<int>(score.get<int>())) << file << " " << emoji;
    }
    // The set is closed: nothing outside the file scores.
    EXPECT_EQ(doc.at("emoji").size(), 10u);
  }
}

TEST(Conformance, FindsTheCaseFiles) {
  EXPECT_GE(CaseFiles().size(), 6u) << "looked in " << ConformanceDir();
}

// One test for all files rather than a parameterised suite: the case list is data, read at run time.
TEST(Conformance, EveryCasePasses) {
  size_t cases = 0;
  for (const fs::path& file : CaseFiles()) {
    json doc;
    try {
      doc = ReadJson(file);
    } catch (const std::exception& e) {
      ADD_FAILURE() << file << ": " << e.what();
      continue;
    }
    ASSERT_TRUE(doc.contains("cases") && !doc.at("cases").empty()) << file;
    CheckCatalogue(doc, file.filename().string());
    for (const json& c : doc.at("cases")) {
      ++cases;
      std::string name = file.filename().string() + " > " + c.value("name", "?");
      try {
        for (const std::string& failure : RunCase(c)) ADD_FAILURE() << name << ": " << failure;
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << ": malformed case: " << e.what();
      }
    }
  }
  EXPECT_GT(cases, 0u);
  std::cout << "[ conformance ] " << cases << " cases in " << CaseFiles().size() << " files\n";
}

// Every case of every file, cut after its stored positions: the join reply restores a snapshot and
// folds the tail, so where the cut falls must not matter (web/src/domain/conformance.test.ts does the same).
TEST(Conformance, SnapshotPlusTailEqualsThePlainRun) {
  size_t cases = 0, cuts = 0;
  for (const fs::path& file : CaseFiles()) {
    const json doc = ReadJson(file);
    for (const json& c : doc.at("cases")) {
      ++cases;
      const size_t before = cuts;
      std::string name = file.filename().string() + " > " + c.value("name", "?");
      try {
        for (const std::string& failure : CheckSnapshots(c, cuts)) ADD_FAILURE() << name << ": " << failure;
      } catch (const std::exception& e) {
        ADD_FAILURE() << name << ": malformed case: " << e.what();
      }
      EXPECT_GT(cuts, before) << name << ": no stored position to cut at";
    }
  }
  EXPECT_GT(cases, 0u);
  std::cout << "[ conformance ] " << cuts << " snapshot cuts over " << cases << " cases\n";
}

}  // namespace
}  // namespace confab::domain
