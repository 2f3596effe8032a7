#include "swarm.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "event_id.hpp"
#include "phx_scan.hpp"
#include "ws_codec.hpp"

namespace confab::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

// Single-writer counter bump: a plain load+store, no locked read-modify-write on the hot path.
inline void Inc(std::atomic<uint64_t>& a, uint64_t n = 1) {
  a.store(a.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

constexpr std::string_view kEmojiThumbsUp = "\xF0\x9F\x91\x8D";

}  // namespace

struct Swarm::Bot {
  explicit Bot(asio::io_context& io) : socket(io) {}
  enum class State : uint8_t { kIdle, kConnecting, kHandshake, kJoining, kJoined, kClosed };

  tcp::socket socket;
  State state = State::kIdle;
  bool writing = false;
  bool fragmenting = false;
  int number = 0;      // global bot number: name and source address
  uint8_t target = 0;  // index into SwarmOptions::targets (0 without targets)
  Meeting* meeting = nullptr;
  uint64_t next_ref = 1;
  std::string join_ref;
  int64_t started_ns = 0;  // connect start
  int64_t join_sent_ns = 0;
  int64_t last_heartbeat_ns = 0;
  int64_t last_seq = 0;
  std::string in;                                 // bytes received but not yet a whole frame
  std::string frag;                               // a fragmented message being reassembled
  std::string out;                                // bytes not yet accepted by the kernel
  std::unordered_map<uint64_t, int64_t> pending;  // publish ref -> send time (publishers only)
};

struct Swarm::Meeting {
  std::string topic;
  std::vector<Bot*> publishers;
  uint64_t sent = 0;
  int64_t offset_ns = 0;  // staggers meetings so publishes do not all land on the same tick
};

Swarm::Swarm(SwarmOptions options, std::vector<std::string> topics, int first_bot)
    : opt_(std::move(options)),
      timer_(io_),
      first_bot_(first_bot),
      scratch_(256 * 1024),
      rate_(opt_.rate_per_meeting),
      delivery_latency_(kMaxWindows),
      ack_latency_(kMaxWindows),
      same_latency_(kMaxWindows),
      cross_latency_(kMaxWindows) {
  if (opt_.targets.size() > static_cast<size_t>(SwarmCounters::kMaxTargets))
    opt_.targets.resize(SwarmCounters::kMaxTargets);
  const size_t nt = opt_.targets.size();
  int n = opt_.members_per_meeting;
  int index = 0;
  double period_ns = opt_.rate_per_meeting > 0 ? 1e9 / opt_.rate_per_meeting : 0;
  for (size_t mi = 0; mi < topics.size(); ++mi) {
    auto m = std::make_unique<Meeting>();
    m->topic = topics[mi];
    m->offset_ns =
        static_cast<int64_t>(period_ns * static_cast<double>(mi) / static_cast<double>(topics.size()));
    for (int k = 0; k < n; ++k) {
      auto b = std::make_unique<Bot>(io_);
      b->number = first_bot + index++;
      b->meeting = m.get();
      if (nt > 1) {
        auto g = static_cast<size_t>(opt_.meeting_base + static_cast<int>(mi) * opt_.meeting_stride);
        b->target = static_cast<uint8_t>((static_cast<size_t>(k) + g) % nt);
      }
      if (k < opt_.publishers_per_meeting) m->publishers.push_back(b.get());
      bots_.push_back(std::move(b));
    }
    meetings_.push_back(std::move(m));
  }
  total_bots_ = bots_.size();
  mask_seed_ ^= static_cast<uint32_t>(first_bot) * 2654435761u;
}

Swarm::~Swarm() = default;

void Swarm::Run() {
  auto guard = asio::make_work_guard(io_);
  timer_.expires_after(std::chrono::milliseconds(1));
  timer_.async_wait([this](error_code ec) {
    if (!ec) Tick();
  });
  io_.run();
}

void Swarm::StartConnecting() {
  asio::post(io_, [this] {
    connecting_ = true;
    connect_start_ns_ = MonotonicNs();
  });
}

void Swarm::StartPublishing() {
  asio::post(io_, [this] {
    publishing_ = true;
    publish_start_ns_ = MonotonicNs();
    for (auto& m : meetings_) m->sent = 0;
  });
}

int Swarm::SetWindow(int64_t start_ns, int64_t end_ns) {
  int i = std::min(windows_.load(), kMaxWindows - 1);
  window_start_ns_[i].store(start_ns);
  window_end_ns_[i].store(end_ns);
  windows_.store(std::min(i + 1, kMaxWindows), std::memory_order_release);
  return i;
}

int Swarm::WindowOf(int64_t sent_ns) const {
  for (int i = windows_.load(std::memory_order_acquire) - 1; i >= 0; --i) {
    if (sent_ns >= window_start_ns_[i].load(std::memory_order_relaxed) &&
        sent_ns < window_end_ns_[i].load(std::memory_order_relaxed))
      return i;
  }
  return -1;
}

void Swarm::SetRate(double rate_per_meeting) {
  asio::post(io_, [this, rate_per_meeting] {
    rate_ = rate_per_meeting;
    double period_ns = rate_ > 0 ? 1e9 / rate_ : 0;
    for (size_t mi = 0; mi < meetings_.size(); ++mi)
      meetings_[mi]->offset_ns =
          static_cast<int64_t>(period_ns * static_cast<double>(mi) / static_cast<double>(meetings_.size()));
  });
}

void Swarm::StopPublishing() {
  asio::post(io_, [this] { publishing_ = false; });
}

void Swarm::Stop() {
  asio::post(io_, [this] {
    connecting_ = publishing_ = false;
    for (auto& b : bots_) {
      error_code ec;
      b->state = Bot::State::kClosed;
      b->socket.close(ec);
    }
    timer_.cancel();
    io_.stop();
  });
}

void Swarm::Tick() {
  int64_t now = MonotonicNs();
  if (connecting_) {
    auto due =
        static_cast<size_t>(static_cast<double>(now - connect_start_ns_) * opt_.connect_rate / 1e9) + 1;
    while (next_connect_ < total_bots_ && next_connect_ < due &&
           pending_connects_ < opt_.max_pending_connects) {
      Connect(*bots_[next_connect_++]);
    }
    if (next_connect_ == total_bots_) connecting_ = false;
  }
  if (publishing_ && rate_ > 0) {
    for (auto& m : meetings_) {
      int64_t elapsed = now - publish_start_ns_ - m->offset_ns;
      if (elapsed < 0) continue;
      auto due = static_cast<uint64_t>(static_cast<double>(elapsed) * rate_ / 1e9) + 1;
      // A stalled client must not burst its backlog afterwards: that would measure our stall, not the server.
      if (due > m->sent + 1000) {
        Inc(counters_.skipped, due - m->sent - 1);
        m->sent = due - 1;
      }
      while (m->sent < due) Publish(*m, now);
    }
  }
  // Heartbeats: visit enough bots per tick that every one is looked at about twice a second.
  if (total_bots_ > 0) {
    size_t per_tick = total_bots_ / 500 + 1;
    auto interval = static_cast<int64_t>(opt_.heartbeat_s * 1e9);
    for (size_t i = 0; i < per_tick; ++i) {
      Bot& b = *bots_[heartbeat_cursor_];
      heartbeat_cursor_ = (heartbeat_cursor_ + 1) % total_bots_;
      if (b.state == Bot::State::kJoined && now - b.last_heartbeat_ns >= interval) {
        b.last_heartbeat_ns = now;
        std::string hb = "[null,\"" + std::to_string(b.next_ref++) + "\",\"phoenix\",\"heartbeat\",{}]";
        Inc(counters_.heartbeats);
        SendText(b, hb);
      }
    }
  }
  timer_.expires_at(timer_.expiry() + std::chrono::milliseconds(1));
  if (timer_.expiry() < std::chrono::steady_clock::now() - std::chrono::milliseconds(50)) {
    timer_.expires_after(std::chrono::milliseconds(1));  // far behind: do not spin to catch up
  }
  timer_.async_wait([this](error_code ec) {
    if (!ec) Tick();
  });
}

void Swarm::Connect(Bot& b) {
  error_code ec;
  b.state = Bot::State::kConnecting;
  b.started_ns = MonotonicNs();
  if (counters_.first_connect_ns.load(std::memory_order_relaxed) == 0)
    counters_.first_connect_ns.store(b.started_ns, std::memory_order_relaxed);
  ++pending_connects_;
  Inc(counters_.connects_started);
  b.socket.open(tcp::v4(), ec);
  if (ec) return Fail(b, "socket: " + ec.message());
  // Spread source addresses: each 127.0.0.x has its own ~28k ephemeral ports.
  int span = opt_.src_last - opt_.src_first + 1;
  uint32_t src = 0x7F000000u | static_cast<uint32_t>(opt_.src_first + b.number % span);
  b.socket.bind(tcp::endpoint(asio::ip::address_v4(src), 0), ec);
  if (ec) return Fail(b, "bind: " + ec.message());
  b.socket.non_blocking(true, ec);
  auto dest = opt_.targets.empty() ? tcp::endpoint(asio::ip::make_address_v4(opt_.host), opt_.port)
                                   : tcp::endpoint(asio::ip::make_address_v4(opt_.targets[b.target].host),
                                                   opt_.targets[b.target].port);
  b.socket.async_connect(dest, [this, &b](error_code ec) {
    if (b.state == Bot::State::kClosed) return;
    if (ec) return Fail(b, "connect: " + ec.message());
    OnConnected(b);
  });
}

void Swarm::OnConnected(Bot& b) {
  error_code ec;
  b.socket.set_option(tcp::no_delay(true), ec);
  Inc(counters_.connects_ok);
  b.state = Bot::State::kHandshake;
  const std::string& host = opt_.targets.empty() ? opt_.host : opt_.targets[b.target].host;
  uint16_t port = opt_.targets.empty() ? opt_.port : opt_.targets[b.target].port;
  b.out += WsUpgradeRequest(host + ":" + std::to_string(port), "/socket/websocket?vsn=2.0.0");
  Flush(b);
  if (b.state != Bot::State::kClosed) ArmRead(b);
}

void Swarm::ArmRead(Bot& b) {
  b.socket.async_wait(tcp::socket::wait_read, [this, &b](error_code ec) {
    if (b.state == Bot::State::kClosed) return;
    if (ec) return Fail(b, "wait: " + ec.message());
    OnReadable(b);
  });
}

void Swarm::OnReadable(Bot& b) {
  // Read until the kernel has nothing more (bounded, so one busy socket cannot starve the others).
  for (int i = 0; i < 8; ++i) {
    error_code ec;
    size_t n = b.socket.read_some(asio::buffer(scratch_), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) break;
    if (ec) return Fail(b, ec == asio::error::eof ? "eof from server" : "read: " + ec.message());
    Inc(counters_.bytes_in, n);
    if (!Consume(b, std::string_view(scratch_.data(), n))) return;
    if (n < scratch_.size()) break;
  }
  ArmRead(b);
}

bool Swarm::Consume(Bot& b, std::string_view bytes) {
  if (b.in.empty()) {
    size_t used = ParseFrames(b, bytes);
    if (b.state == Bot::State::kClosed) return false;
    if (used < bytes.size()) b.in.assign(bytes.substr(used));
  } else {
    b.in.append(bytes);
    size_t used = ParseFrames(b, b.in);
    if (b.state == Bot::State::kClosed) return false;
    b.in.erase(0, used);
    // A join reply can be megabytes (the whole replay); do not keep that capacity for every bot.
    if (b.in.empty() && b.in.capacity() > 64 * 1024) std::string().swap(b.in);
  }
  return true;
}

size_t Swarm::ParseFrames(Bot& b, std::string_view in) {
  size_t pos = 0;
  if (b.state == Bot::State::kHandshake) {
    size_t head = 0;
    WsHandshake r = ParseWsUpgradeResponse(in, &head);
    if (r == WsHandshake::kIncomplete) {
      if (in.size() > 64 * 1024) Fail(b, "upgrade: response head too long");
      return 0;
    }
    if (r == WsHandshake::kRejected) {
      Fail(b, "upgrade rejected: " + std::string(in.substr(0, std::min<size_t>(in.find('\r'), 60))));
      return in.size();
    }
    pos = head;
    int64_t now = MonotonicNs();
    connect_time_.Record(now - b.started_ns);
    b.state = Bot::State::kJoining;
    b.join_ref = std::to_string(b.next_ref++);
    b.join_sent_ns = now;
    std::string join = "[\"" + b.join_ref + "\",\"" + b.join_ref + "\",\"" + b.meeting->topic +
                       "\",\"phx_join\",{\"name\":\"bot" + std::to_string(b.number) + "\"}]";
    SendText(b, join);
  }
  while (b.state != Bot::State::kClosed && pos < in.size()) {
    WsFrame f;
    long n = ParseWsServerFrame(in.substr(pos), &f);
    if (n == 0) break;
    if (n < 0) {
      Fail(b, "websocket protocol error");
      break;
    }
    pos += static_cast<size_t>(n);
    switch (f.opcode) {
      case WsOpcode::kText:
      case WsOpcode::kBinary:
        if (f.opcode == WsOpcode::kBinary) CountError("binary frame from server");
        if (f.fin) {
          OnMessage(b, f.payload);
        } else {
          b.frag.assign(f.payload);
          b.fragmenting = true;
        }
        break;
      case WsOpcode::kContinuation:
        if (!b.fragmenting) {
          Fail(b, "websocket continuation without start");
          break;
        }
        b.frag.append(f.payload);
        if (f.fin) {
          std::string msg = std::move(b.frag);
          std::string().swap(b.frag);
          b.fragmenting = false;
          OnMessage(b, msg);
        }
        break;
      case WsOpcode::kPing:
        SendFrame(b, static_cast<int>(WsOpcode::kPong), f.payload);
        break;
      case WsOpcode::kPong:
        break;
      case WsOpcode::kClose: {
        int code = f.payload.size() >= 2
                       ? (static_cast<uint8_t>(f.payload[0]) << 8) | static_cast<uint8_t>(f.payload[1])
                       : 1005;
        Fail(b, "closed by server " + std::to_string(code) + " " +
                    std::string(f.payload.size() > 2 ? f.payload.substr(2) : std::string_view()));
        break;
      }
    }
  }
  return pos;
}

void Swarm::OnMessage(Bot& b, std::string_view text) {
  Inc(counters_.frames_in);
  PhxFrame f;
  if (!ScanPhxFrame(text, &f)) return CountError("unparsable frame");
  if (f.event == "event") {
    if (!f.join_ref_null) return CountError("event push with a join_ref");
    Inc(counters_.event_frames);
    counters_.last_event_ns.store(MonotonicNs(), std::memory_order_relaxed);
    return OnBroadcast(b, f.payload);
  }
  if (f.event == "events") {
    if (!f.join_ref_null) return CountError("events push with a join_ref");
    Inc(counters_.batch_frames);
    counters_.last_event_ns.store(MonotonicNs(), std::memory_order_relaxed);
    return OnBatch(b, f.payload);
  }
  if (f.event == "presence_diff") {
    counters_.last_presence_diff_ns.store(MonotonicNs(), std::memory_order_relaxed);
    return Inc(counters_.presence_diffs);
  }
  if (f.event == "phx_reply") return OnReply(b, f, text.size());
  if (f.event == "presence_state") return Inc(counters_.presence_states);
  if (f.event == "phx_close" || f.event == "phx_error") return Fail(b, std::string(f.event));
  CountError("unexpected event " + std::string(f.event));
}

void Swarm::OnBroadcast(Bot& b, std::string_view payload) {
  Inc(counters_.deliveries);
  int64_t seq = 0;
  if (FindIntField(payload, "seq", &seq)) {  // transient events carry no seq
    if (b.last_seq != 0 && seq > b.last_seq + 1) Inc(counters_.seq_gaps);
    if (seq <= b.last_seq) Inc(counters_.seq_repeats);
    if (seq > b.last_seq) b.last_seq = seq;
  }
  std::string_view id;
  uint64_t sent = 0;
  if (FindStringField(payload, "id", &id) && DecodeEventSendNs(id, &sent)) {
    auto s = static_cast<int64_t>(sent);
    int w = WindowOf(s);
    if (w >= 0) {
      int64_t now = MonotonicNs(), lat = now - s;
      delivery_latency_[w].Record(lat);
      uint64_t counter = 0;
      if (opt_.targets.size() > 1 && DecodeEventCounter(id, &counter)) {
        auto publisher_target = static_cast<uint8_t>((counter >> 48) & 0xFF);
        (publisher_target == b.target ? same_latency_ : cross_latency_)[w].Record(lat);
      }
      auto second = static_cast<size_t>(std::max<int64_t>(0, now - window_start_ns_[0].load()) / 1000000000);
      if (second < 3600) {
        if (timeline_.size() <= second) timeline_.resize(second + 1);
        Second& t = timeline_[second];
        ++t.deliveries;
        if (lat > 10'000'000) ++t.over_10ms;
        t.max_ns = std::max(t.max_ns, lat);
      }
    }
  }
}

// A batch of stored events of one meeting, in seq order: each one is a delivery of its own (latency
// from its id, seq contiguity), exactly as if it had come in its own "event" frame.
void Swarm::OnBatch(Bot& b, std::string_view payload) {
  std::string_view events;
  batch_.clear();
  if (!FindMemberValue(payload, "events", &events) || !SplitArray(events, &batch_))
    return CountError("unparsable events batch");
  if (batch_.empty()) return CountError("empty events batch");
  Inc(counters_.batched_events, batch_.size());
  for (std::string_view e : batch_) {
    if (e.empty() || e.front() != '{') return CountError("events batch element is not an object");
    OnBroadcast(b, e);
  }
}

void Swarm::OnReply(Bot& b, const PhxFrame& f, size_t frame_bytes) {
  if (f.topic == "phoenix") return Inc(counters_.heartbeat_replies);
  std::string_view status;
  bool ok = FindStringField(f.payload, "status", &status) && status == "ok";
  if (b.state == Bot::State::kJoining && f.ref == b.join_ref) {
    if (!ok) {
      std::string_view reason;
      FindStringField(f.payload, "reason", &reason);
      Inc(counters_.joins_failed);
      return Fail(b, "join error: " + std::string(reason));
    }
    int64_t now = MonotonicNs();
    join_time_.Record(now - b.join_sent_ns);
    counters_.last_join_ns.store(now, std::memory_order_relaxed);
    Inc(counters_.join_reply_bytes, frame_bytes);
    if (frame_bytes > counters_.join_reply_max_bytes.load(std::memory_order_relaxed))
      counters_.join_reply_max_bytes.store(frame_bytes, std::memory_order_relaxed);
    // head_seq of the response object itself, not a key of that name inside a state or event in it.
    std::string_view response, head;
    if (FindMemberValue(f.payload, "response", &response) && FindMemberValue(response, "head_seq", &head)) {
      std::from_chars(head.data(), head.data() + head.size(), b.last_seq);
    } else {
      FindIntField(f.payload, "head_seq", &b.last_seq);
    }
    b.state = Bot::State::kJoined;
    --pending_connects_;
    b.last_heartbeat_ns = now;
    Inc(counters_.joins_ok);
    Inc(counters_.joins_by_target[b.target]);
    return;
  }
  uint64_t ref = 0;
  std::from_chars(f.ref.data(), f.ref.data() + f.ref.size(), ref);
  auto it = b.pending.find(ref);
  if (it == b.pending.end()) return CountError("reply to an unknown ref");
  int64_t sent = it->second;
  b.pending.erase(it);
  if (ok) {
    Inc(counters_.acked);
    if (int w = WindowOf(sent); w >= 0) ack_latency_[w].Record(MonotonicNs() - sent);
  } else {
    std::string_view reason;
    FindStringField(f.payload, "reason", &reason);
    Inc(counters_.rejected);
    CountError("push rejected: " + std::string(reason));
  }
}

void Swarm::Publish(Meeting& m, int64_t now) {
  Bot& b = *m.publishers[m.sent % m.publishers.size()];
  ++m.sent;
  if (b.state != Bot::State::kJoined) return Inc(counters_.skipped);
  uint64_t ref = b.next_ref++;
  // Counter: 32 bits of sequence, 16 of this swarm's first bot, 8 of the publisher's target (read back
  // by every member to split same-node from cross-node latency). The send time keeps ids unique too.
  uint64_t n = (++event_counter_ & 0xFFFFFFFFu) | ((static_cast<uint64_t>(first_bot_) & 0xFFFF) << 32) |
               (static_cast<uint64_t>(b.target) << 48);
  std::string frame;
  frame.reserve(200);
  frame.append("[\"").append(b.join_ref).append("\",\"").append(std::to_string(ref)).append("\",\"");
  frame.append(m.topic).append("\",\"event\",{\"id\":\"").append(MakeEventId(static_cast<uint64_t>(now), n));
  frame.append("\",\"type\":\"").append(opt_.event_type).append("\",\"data\":");
  if (opt_.event_type == "reaction") {
    frame.append("{\"emoji\":\"").append(kEmojiThumbsUp).append("\"}");
  } else if (opt_.event_type == "card_added") {
    char hex[17];
    auto end = std::to_chars(hex, hex + 16, n, 16).ptr;
    frame.append("{\"card_id\":\"k_").append(hex, end).append("\",\"title\":\"bench card\"}");
  } else {
    frame.append("{}");
  }
  frame.append("}]");
  b.pending.emplace(ref, now);
  Inc(counters_.published);
  SendText(b, frame);
}

void Swarm::SendText(Bot& b, std::string_view text) {
  SendFrame(b, static_cast<int>(WsOpcode::kText), text);
}

void Swarm::SendFrame(Bot& b, int opcode, std::string_view payload) {
  if (b.state == Bot::State::kClosed) return;
  mask_seed_ = mask_seed_ * 1664525u + 1013904223u;
  AppendWsClientFrame(&b.out, static_cast<WsOpcode>(opcode), payload, mask_seed_);
  if (!b.writing) Flush(b);
}

void Swarm::Flush(Bot& b) {
  while (!b.out.empty()) {
    error_code ec;
    size_t n = b.socket.write_some(asio::buffer(b.out), ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      b.writing = true;
      b.socket.async_wait(tcp::socket::wait_write, [this, &b](error_code ec) {
        b.writing = false;
        if (b.state == Bot::State::kClosed) return;
        if (ec) return Fail(b, "wait write: " + ec.message());
        Flush(b);
      });
      return;
    }
    if (ec) return Fail(b, "write: " + ec.message());
    b.out.erase(0, n);
  }
}

void Swarm::Fail(Bot& b, const std::string& reason) {
  if (b.state == Bot::State::kClosed) return;
  if (b.state == Bot::State::kJoined) {
    Inc(counters_.disconnects);
  } else if (b.state != Bot::State::kIdle) {
    --pending_connects_;
    Inc(counters_.gave_up);
  }
  b.state = Bot::State::kClosed;
  CountError(reason);
  error_code ec;
  b.socket.close(ec);
  b.in.clear();
  b.out.clear();
  b.frag.clear();
}

void Swarm::CountError(const std::string& reason) {
  Inc(counters_.errors);
  ++error_reasons_[reason];
}

}  // namespace confab::bench
