#pragma once
// The folded state of one meeting. Plain data; only domain/ code reads or writes its fields.
#include <cstdint>
#include <map>
#include <string>

namespace confab::domain {

struct Participant {
  std::string name;
};

struct Meeting {
  std::string title;
  std::string phase = "collect";
  int64_t votes_per_person = 3;
  int64_t timebox_s = 300;
  std::map<std::string, Participant, std::less<>> participants;  // by pid
};

}  // namespace confab::domain
