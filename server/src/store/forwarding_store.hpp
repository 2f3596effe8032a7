#pragma once
// ForwardingStore: a Store that passes every call to another one. Tests derive from it and override
// the one or two calls they want to break or watch (injected append failures, a writer that reports
// a full disk), instead of restating the whole interface. Header-only; not used by the server.
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace confab::store {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  void Append(AppendRequest req, std::function<void(Status)> done) override {
    inner_.Append(std::move(req), std::move(done));
  }
  void Flush() override { inner_.Flush(); }
  Status GetMeeting(std::string_view id, MeetingRecord* out) override { return inner_.GetMeeting(id, out); }
  Status HeadSeq(std::string_view id, int64_t* out) override { return inner_.HeadSeq(id, out); }
  Status ReadEvents(std::string_view id, int64_t after, size_t limit, bool replayed_only,
                    std::vector<StoredEvent>* out) override {
    return inner_.ReadEvents(id, after, limit, replayed_only, out);
  }
  Status ScanEvents(std::string_view id, int64_t after,
                    const std::function<bool(const StoredEvent&)>& fn) override {
    return inner_.ScanEvents(id, after, fn);
  }
  Status ScanAll(const std::function<bool(const StoredEvent&)>& fn) override { return inner_.ScanAll(fn); }
  Status FindEventSeq(std::string_view id, std::string_view event_id, int64_t* seq) override {
    return inner_.FindEventSeq(id, event_id, seq);
  }
  Status GetCredential(std::string_view id, std::string_view pid, Credential* out) override {
    return inner_.GetCredential(id, pid, out);
  }
  Status ListMeetings(std::vector<MeetingRecord>* out) override { return inner_.ListMeetings(out); }
  void PutSnapshot(Snapshot snap, std::function<void(Status)> done) override {
    inner_.PutSnapshot(std::move(snap), std::move(done));
  }
  Status LatestSnapshot(std::string_view id, int64_t max_seq, int64_t max_ts, Snapshot* out) override {
    return inner_.LatestSnapshot(id, max_seq, max_ts, out);
  }
  Status ScanFeatureUsage(int64_t from_day, int64_t to_day,
                          const std::function<bool(const FeatureUsage&)>& fn) override {
    return inner_.ScanFeatureUsage(from_day, to_day, fn);
  }
  Status WriterHealth() const override { return inner_.WriterHealth(); }
  WriterHealthReport WriterHealthDetail() const override { return inner_.WriterHealthDetail(); }
  Status FindDuplicateKeys(std::vector<DuplicateKey>* out) override { return inner_.FindDuplicateKeys(out); }
  StoreStats Stats() const override { return inner_.Stats(); }
  std::string Describe() const override { return "forwarding:" + inner_.Describe(); }

 protected:
  Store& inner_;
};

}  // namespace confab::store
