#pragma once
// For api_tests: a Store that forwards everything to a real one, except that the writer's health can
// be set by the test (a disk that filled up is hard to arrange for real). Not part of the library.
#include <mutex>

#include "store/store.hpp"

namespace confab::api::testing {

class FakeHealthStore : public store::Store {
 public:
  explicit FakeHealthStore(store::Store& real) : real_(real) {}

  void set_writer_health(Status s) {
    std::lock_guard lock(mu_);
    health_ = std::move(s);
  }
  Status WriterHealth() const override {
    std::lock_guard lock(mu_);
    return health_;
  }

  void Append(store::AppendRequest req, std::function<void(Status)> done) override {
    real_.Append(std::move(req), std::move(done));
  }
  void Flush() override { real_.Flush(); }
  Status GetMeeting(std::string_view id, store::MeetingRecord* out) override {
    return real_.GetMeeting(id, out);
  }
  Status HeadSeq(std::string_view id, int64_t* out) override { return real_.HeadSeq(id, out); }
  Status ReadEvents(std::string_view id, int64_t after, size_t limit, bool replayed_only,
                    std::vector<store::StoredEvent>* out) override {
    return real_.ReadEvents(id, after, limit, replayed_only, out);
  }
  Status ScanEvents(std::string_view id, int64_t after,
                    const std::function<bool(const store::StoredEvent&)>& fn) override {
    return real_.ScanEvents(id, after, fn);
  }
  Status ScanAll(const std::function<bool(const store::StoredEvent&)>& fn) override {
    return real_.ScanAll(fn);
  }
  Status FindEventSeq(std::string_view id, std::string_view event_id, int64_t* seq) override {
    return real_.FindEventSeq(id, event_id, seq);
  }
  Status GetCredential(std::string_view id, std::string_view pid, store::Credential* out) override {
    return real_.GetCredential(id, pid, out);
  }
  Status ListMeetings(std::vector<store::MeetingRecord>* out) override { return real_.ListMeetings(out); }
  void PutSnapshot(store::Snapshot snap, std::function<void(Status)> done) override {
    real_.PutSnapshot(std::move(snap), std::move(done));
  }
  Status LatestSnapshot(std::string_view id, int64_t max_seq, int64_t max_ts, store::Snapshot* out) override {
    return real_.LatestSnapshot(id, max_seq, max_ts, out);
  }
  Status ScanFeatureUsage(int64_t from_day, int64_t to_day,
                          const std::function<bool(const store::FeatureUsage&)>& fn) override {
    return real_.ScanFeatureUsage(from_day, to_day, fn);
  }
  store::StoreStats Stats() const override { return real_.Stats(); }
  std::string Describe() const override { return "fake-health:" + real_.Describe(); }

 private:
  store::Store& real_;
  mutable std::mutex mu_;
  Status health_;
};

}  // namespace confab::api::testing
