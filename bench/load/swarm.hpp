#pragma once
// Swarm: a set of simulated meeting members ("bots") driven by one io thread. Each bot is one
// WebSocket connection that joins one meeting over Phoenix V2; some bots of each meeting also publish
// events at a fixed rate. The swarm measures what the members see: deliveries, latency, join time.
//
// Threading: all bot state belongs to the swarm's own thread (Run). Other threads call only the
// Start*/Stop methods (they post to that thread) and read counters(), whose fields are single-writer
// atomics. The histograms may be read after Run has returned.
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "latency_histogram.hpp"

namespace confab::bench {

struct SwarmTarget {
  std::string host;
  uint16_t port = 0;
};

struct SwarmOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 4000;
  // Several servers (cluster nodes): when non-empty, host/port are ignored and member k of the meeting
  // with global index g connects to targets[(k + g) % targets.size()], so each meeting's members (and,
  // over the meetings, its publishers) are spread over every node. Global index of the i-th topic given
  // to this swarm = meeting_base + i * meeting_stride (confab_load deals meetings round-robin to threads).
  std::vector<SwarmTarget> targets;
  int meeting_base = 0;
  int meeting_stride = 1;
  int members_per_meeting = 50;
  int publishers_per_meeting = 1;
  double rate_per_meeting = 10;    // events/s, spread over that meeting's publishers
  double connect_rate = 2000;      // new connections/s for this swarm
  int max_pending_connects = 256;  // TCP + upgrade + join in flight at once
  double heartbeat_s = 30;
  std::string event_type = "reaction";  // reaction | card_added | typing
  int src_first = 2;                    // client source addresses 127.0.0.src_first..src_last
  int src_last = 250;
};

// Counters written only by the swarm thread; read from anywhere.
struct SwarmCounters {
  std::atomic<uint64_t> connects_started{0}, connects_ok{0}, joins_ok{0}, joins_failed{0};
  std::atomic<uint64_t> gave_up{0};  // bots that failed before joining (connect, upgrade or join error)
  std::atomic<uint64_t> deliveries{0}, presence_diffs{0}, presence_states{0};
  std::atomic<uint64_t> published{0}, acked{0}, rejected{0}, skipped{0};
  std::atomic<uint64_t> heartbeats{0}, heartbeat_replies{0};
  std::atomic<uint64_t> disconnects{0}, errors{0};
  std::atomic<uint64_t> seq_gaps{0}, seq_repeats{0};
  std::atomic<uint64_t> frames_in{0}, bytes_in{0};
  // Broadcast frames: "event" (one event) and "events" (a batch: {"events":[e1,e2,…]}, every element
  // counted in `deliveries`), and the events that came in batches.
  std::atomic<uint64_t> event_frames{0}, batch_frames{0}, batched_events{0};
  // Join replies (the frame's text, as received): total and largest.
  std::atomic<uint64_t> join_reply_bytes{0}, join_reply_max_bytes{0};
  // MonotonicNs of the first connect, the last join reply, the last presence_diff and the last
  // event/events frame received (0: none yet). The join storm's wall figures come from these.
  std::atomic<int64_t> first_connect_ns{0}, last_join_ns{0}, last_presence_diff_ns{0}, last_event_ns{0};
  static constexpr int kMaxTargets = 64;
  std::array<std::atomic<uint64_t>, kMaxTargets> joins_by_target{};  // joined bots per target (index)
};

class Swarm {
 public:
  // `topics` are the meetings this swarm populates ("meeting:ID"); bot numbers start at first_bot
  // (used for names and for spreading source addresses).
  Swarm(SwarmOptions options, std::vector<std::string> topics, int first_bot);
  ~Swarm();
  Swarm(const Swarm&) = delete;
  Swarm& operator=(const Swarm&) = delete;

  // Thread body: returns after Stop.
  void Run();

  void StartConnecting();
  // Publishing starts at the next tick; latency is recorded for events sent in [window_start, window_end)
  // (MonotonicNs), so warm-up and drain traffic are delivered but not measured.
  void StartPublishing();
  // Adds a measurement window and returns its index (< kMaxWindows; later calls beyond that reuse the
  // last). Deliveries and acks are recorded into that window's histograms by the event's send time, so
  // late deliveries of a window's events still count there after the next window has begun.
  int SetWindow(int64_t start_ns, int64_t end_ns);
  // Events/s per meeting from the next StartPublishing on (a rate sweep: stop, drain, set, start).
  void SetRate(double rate_per_meeting);
  void StopPublishing();
  // Closes every connection and ends Run.
  void Stop();

  int bots() const { return static_cast<int>(total_bots_); }
  const SwarmCounters& counters() const { return counters_; }

  // Valid after Run returned.
  static constexpr int kMaxWindows = 16;
  const LatencyHistogram& delivery_latency(int window = 0) const { return delivery_latency_[window]; }
  const LatencyHistogram& ack_latency(int window = 0) const { return ack_latency_[window]; }
  // With several targets: the deliveries of delivery_latency split by whether the receiving member is
  // connected to the same target as the event's publisher (same node) or to another (cross-node).
  const LatencyHistogram& delivery_latency_same(int window = 0) const { return same_latency_[window]; }
  const LatencyHistogram& delivery_latency_cross(int window = 0) const { return cross_latency_[window]; }
  // Per second of receive time since the first window's start: deliveries (of windowed events), how
  // many took over 10 ms, and the slowest. Shows when a stall happened, not only that it did.
  struct Second {
    uint64_t deliveries = 0, over_10ms = 0;
    int64_t max_ns = 0;
  };
  const std::vector<Second>& timeline() const { return timeline_; }
  const LatencyHistogram& connect_time() const { return connect_time_; }
  const LatencyHistogram& join_time() const { return join_time_; }
  const std::map<std::string, uint64_t>& error_reasons() const { return error_reasons_; }

 private:
  struct Bot;
  struct Meeting;

  void Tick();
  void Connect(Bot& b);
  void OnConnected(Bot& b);
  void ArmRead(Bot& b);
  void OnReadable(Bot& b);
  bool Consume(Bot& b, std::string_view bytes);
  size_t ParseFrames(Bot& b, std::string_view in);
  void OnMessage(Bot& b, std::string_view text);
  void OnBroadcast(Bot& b, std::string_view payload);
  void OnBatch(Bot& b, std::string_view payload);
  void OnReply(Bot& b, const struct PhxFrame& f, size_t frame_bytes);
  void SendText(Bot& b, std::string_view text);
  void SendFrame(Bot& b, int opcode, std::string_view payload);
  void Flush(Bot& b);
  void Publish(Meeting& m, int64_t now);
  void Fail(Bot& b, const std::string& reason);
  void CountError(const std::string& reason);

  SwarmOptions opt_;
  boost::asio::io_context io_;
  boost::asio::steady_timer timer_;
  std::vector<std::unique_ptr<Meeting>> meetings_;
  std::vector<std::unique_ptr<Bot>> bots_;
  size_t total_bots_ = 0;
  int first_bot_ = 0;
  std::vector<char> scratch_;
  std::vector<std::string_view> batch_;  // OnBatch's elements, reused
  uint32_t mask_seed_ = 0x9e3779b9;

  bool connecting_ = false;
  int64_t connect_start_ns_ = 0;
  size_t next_connect_ = 0;
  int pending_connects_ = 0;
  bool publishing_ = false;
  int64_t publish_start_ns_ = 0;
  int WindowOf(int64_t sent_ns) const;
  std::array<std::atomic<int64_t>, kMaxWindows> window_start_ns_{}, window_end_ns_{};
  std::atomic<int> windows_{0};
  double rate_ = 0;
  std::vector<Second> timeline_;
  size_t heartbeat_cursor_ = 0;
  uint64_t event_counter_ = 0;

  SwarmCounters counters_;
  std::vector<LatencyHistogram> delivery_latency_, ack_latency_, same_latency_, cross_latency_;
  LatencyHistogram connect_time_, join_time_;
  std::map<std::string, uint64_t> error_reasons_;
};

}  // namespace confab::bench
