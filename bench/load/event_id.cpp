#include "event_id.hpp"

#include <time.h>

namespace confab::bench {
namespace {

constexpr char kHex[] = "0123456789abcdef";
// Hex digit positions in the 36-char UUID that carry data: all but the dashes, the version digit
// (position 14 in the text) and the variant digit (position 19).
constexpr int kPositions[30] = {0,  1,  2,  3,  4,  5,  6,  7,  9,  10, 11, 12, 15, 16, 17,
                                20, 21, 22, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35};
// 30 data digits = 120 bits: 16 digits of send time, then 14 of counter.
static_assert(sizeof(kPositions) / sizeof(int) == 30);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

int64_t MonotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

std::string MakeEventId(uint64_t send_ns, uint64_t counter) {
  std::string id = "00000000-0000-4000-8000-000000000000";
  for (int d = 0; d < 16; ++d) id[kPositions[d]] = kHex[(send_ns >> (4 * (15 - d))) & 0xF];
  for (int d = 0; d < 14; ++d) id[kPositions[16 + d]] = kHex[(counter >> (4 * (13 - d))) & 0xF];
  return id;
}

bool DecodeEventSendNs(std::string_view id, uint64_t* send_ns) {
  if (id.size() != 36 || id[14] != '4' || id[19] != '8') return false;
  uint64_t v = 0;
  for (int d = 0; d < 16; ++d) {
    int h = HexValue(id[kPositions[d]]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(h);
  }
  *send_ns = v;
  return true;
}

bool DecodeEventCounter(std::string_view id, uint64_t* counter) {
  if (id.size() != 36 || id[14] != '4' || id[19] != '8') return false;
  uint64_t v = 0;
  for (int d = 16; d < 30; ++d) {
    int h = HexValue(id[kPositions[d]]);
    if (h < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(h);
  }
  *counter = v;
  return true;
}

}  // namespace confab::bench
