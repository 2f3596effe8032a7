// Store::FindDuplicateKeys for stores without a faster way: one pass over ScanAll, meeting by meeting.
#include <map>
#include <string>
#include <unordered_map>

#include "store/store.hpp"

namespace confab::store {

Status Store::FindDuplicateKeys(std::vector<DuplicateKey>* out) {
  out->clear();
  std::string meeting;
  std::map<int64_t, int64_t> seqs;  // ordered: the report lists a meeting's keys in seq order
  std::map<std::string, int64_t> ids;
  auto flush = [&] {
    for (const auto& [seq, n] : seqs) {
      if (n > 1) out->push_back(DuplicateKey{meeting, "seq", std::to_string(seq), n});
    }
    for (const auto& [id, n] : ids) {
      if (n > 1) out->push_back(DuplicateKey{meeting, "id", id, n});
    }
    seqs.clear();
    ids.clear();
  };
  Status s = ScanAll([&](const StoredEvent& e) {
    if (e.meeting_id != meeting) {
      flush();
      meeting = e.meeting_id;
    }
    ++seqs[e.seq];
    ++ids[e.id];
    return true;
  });
  flush();
  return s;
}

}  // namespace confab::store
