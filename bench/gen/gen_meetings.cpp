// gen_meetings: writes generated meetings as NDJSON exports (one file per meeting, the format of
// `confab export` / GET /api/meetings/ID/events?format=ndjson), ready for `confab import`.
//
// The events come from views::testing::GenerateMeeting (the same generator as bench/state): random
// pushes by a facilitator and 12 participants, each kept only when domain::Validate accepts it, so
// the log is a valid meeting (cards, votes, discussions, notes, ~69% reactions).
//
// Usage: gen_meetings --out DIR [--meetings 1] [--events 100000] [--seed 1] [--prefix m_gen_]
//   writes DIR/<prefix><i>.ndjson for i in [0, meetings); meeting i uses seed + i.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "views/state_at_testing.hpp"

int main(int argc, char** argv) {
  CLI::App app{"gen_meetings: NDJSON exports of generated meetings"};
  std::string out_dir, prefix = "m_gen_";
  int meetings = 1;
  size_t events = 100'000;
  uint32_t seed = 1;
  app.add_option("--out", out_dir, "output directory")->required();
  app.add_option("--meetings", meetings, "meetings (files)");
  app.add_option("--events", events, "events per meeting");
  app.add_option("--seed", seed, "seed of meeting 0 (meeting i uses seed + i)");
  app.add_option("--prefix", prefix, "file name prefix (the meeting id to import under, by convention)");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::create_directories(out_dir);
  const auto t0 = std::chrono::steady_clock::now();
  size_t bytes = 0;
  for (int i = 0; i < meetings; ++i) {
    const std::string id = prefix + std::to_string(i);
    auto log = confab::views::testing::GenerateMeeting(id, events, seed + static_cast<uint32_t>(i));
    std::ofstream f(std::filesystem::path(out_dir) / (id + ".ndjson"), std::ios::binary);
    for (const auto& e : log) {
      f << e.json << '\n';
      bytes += e.json.size() + 1;
    }
    if (!f) {
      std::fprintf(stderr, "gen_meetings: write failed for %s\n", id.c_str());
      return 1;
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("gen_meetings: %d meetings x %zu events, %.1f MiB of NDJSON in %.1f s -> %s\n", meetings,
              events, bytes / 1048576.0, s, out_dir.c_str());
  return 0;
}
