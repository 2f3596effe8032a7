#include "store/append_shape.hpp"

#include <string>

namespace confab::store {

Status CheckAppendShape(const AppendRequest& req) {
  const std::string& mid = req.meeting_id;
  if (mid.empty()) return Status::Invalid("append without a meeting id");
  if (req.create && req.create->id != mid)
    return Status::Invalid("create names meeting " + req.create->id + ", append names " + mid);
  for (size_t i = 0; i < req.events.size(); ++i) {
    const StoredEvent& e = req.events[i];
    if (i > 0 && e.seq != req.events[i - 1].seq + 1) {
      return Status::Invalid("seqs of one append must be contiguous: expected " +
                             std::to_string(req.events[i - 1].seq + 1) + ", got " + std::to_string(e.seq));
    }
    if (!e.meeting_id.empty() && e.meeting_id != mid)
      return Status::Invalid("event of meeting " + e.meeting_id + " in an append to " + mid);
  }
  for (const Credential& c : req.credentials) {
    if (!c.meeting_id.empty() && c.meeting_id != mid)
      return Status::Invalid("credential of meeting " + c.meeting_id + " in an append to " + mid);
  }
  return Status::Ok();
}

}  // namespace confab::store
