// Runs every case of every conformance/*.json file (format: conformance/README.md) against this
// domain; web/src/domain/conformance.test.ts runs the same files against the TypeScript one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
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

// Each top-level key of `expected` must deep-equal the state's (numbers compare by value).
void CheckState(const json& state, const json& expected, const std::string& where,
                std::vector<std::string>& failures) {
  for (const auto& [key, value] : expected.items()) {
    if (!state.contains(key) || state.at(key) != value) {
      failures.push_back(where + ": state." + key + " is " +
                         (state.contains(key) ? state.at(key).dump() : "missing") + ", expected " +
                         value.dump());
    }
  }
}

// The runner, step by step as conformance/README.md specifies it.
std::vector<std::string> RunCase(const json& c) {
  std::vector<std::string> failures;
  Meeting m;
  int64_t seq = 0;
  int64_t clock = 0;
  const json& steps = c.at("steps");
  for (size_t i = 0; i < steps.size(); ++i) {
    const json& step = steps[i];
    std::string where = "step " + std::to_string(i + 1);
    if (step.contains("event")) {
      json event = step.at("event");
      int64_t ts = event.contains("ts") ? event.at("ts").get<int64_t>() : clock + 1000;
      seq = event.contains("seq") ? event.at("seq").get<int64_t>() : seq + 1;
      clock = ts;
      event["seq"] = seq;
      event["ts"] = ts;
      if (!event.contains("id")) event["id"] = "e" + std::to_string(seq);
      if (!event.contains("data")) event["data"] = json::object();
      Apply(m, event);
    } else if (step.contains("push")) {
      int64_t ts = step.contains("ts") ? step.at("ts").get<int64_t>() : clock + 1000;
      clock = ts;
      const json& push = step.at("push");
      const json& a = push.at("actor");
      Actor actor{a.at("pid").get<std::string>(), a.at("name").get<std::string>(),
                  a.value("role", "participant") == "facilitator" ? Role::kFacilitator : Role::kParticipant};
      std::string type = push.at("type").get<std::string>();
      const json& data = push.at("data");
      auto reason = Validate(m, actor, type, data);
      const json expect = step.value("expect", json("ok"));
      std::string wanted = expect.is_string() ? "ok" : expect.at("reject").get<std::string>();
      std::string got = reason.value_or("ok");
      if (got != wanted) failures.push_back(where + " (" + type + "): got " + got + ", expected " + wanted);
      if (!reason) {
        const EventSpec* spec = FindEventType(type);
        bool transient = spec != nullptr && spec->replay == ReplayClass::kTransient;
        json event = {{"type", type},
                      {"actor", {{"pid", actor.pid}, {"name", actor.name}}},
                      {"ts", ts},
                      {"data", data}};
        if (!transient) event["seq"] = ++seq;
        event["id"] = step.contains("id") ? step.at("id").get<std::string>()
                      : transient         ? "t" + std::to_string(i + 1)
                                          : "e" + std::to_string(seq);
        Apply(m, event);
      }
    } else {
      failures.push_back(where + ": neither \"event\" nor \"push\"");
    }
    if (step.contains("expect_state")) CheckState(ToJson(m), step.at("expect_state"), where, failures);
  }
  if (c.contains("expect_state")) CheckState(ToJson(m), c.at("expect_state"), "end", failures);
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

}  // namespace
}  // namespace confab::domain
