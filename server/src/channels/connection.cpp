#include "channels/connection.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <optional>

#include "channels/frame.hpp"
#include "channels/limits.hpp"
#include "channels/presence.hpp"
#include "channels/stats.hpp"
#include "domain/meeting.hpp"
#include "rooms/room.hpp"
#include "rooms/room_registry.hpp"

namespace confab::channels {
namespace {

using Ref = std::optional<std::string>;
constexpr std::string_view kTopicPrefix = "meeting:";
constexpr std::string_view kOkEmpty = "{}";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Meeting ids are 128-bit random in a URL-safe alphabet; anything else cannot name a meeting.
bool PlausibleMeetingId(std::string_view id) {
  if (id.empty() || id.size() > kMaxMeetingIdLength) return false;
  for (char c : id) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Tokens refill continuously at `rate` per second up to `burst`.
class TokenBucket {
 public:
  bool Take() {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    tokens_ = std::min<double>(kRateBurst, tokens_ + elapsed * kRatePerSecond);
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  double tokens_ = kRateBurst;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

// Reads an optional string field; false when present with another type (null counts as absent).
bool OptString(const nlohmann::json& obj, const char* key, std::optional<std::string>* out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  *out = it->get<std::string>();
  return true;
}

}  // namespace

// One joined (or joining) channel: a topic of this socket, subscribed to its room once joined.
class ChannelSession final : public rooms::Subscriber {
 public:
  ChannelSession(std::weak_ptr<Transport> transport, std::string topic, Ref join_ref,
                 std::shared_ptr<rooms::Room> room)
      : transport_(std::move(transport)),
        topic(std::move(topic)),
        join_ref(std::move(join_ref)),
        room(std::move(room)) {}

  void Deliver(const rooms::Broadcast& b) override {
    // Every subscriber of a room has the same topic, so the first one to deliver encodes for all.
    if (!b.frame) b.frame = EncodeBroadcast(topic, b.event, *b.payload);
    if (auto t = transport_.lock()) {
      t->Send(b.frame);
      Bump(Stats().deliveries);
    }
  }

  std::weak_ptr<Transport> transport_;
  const std::string topic;
  const Ref join_ref;
  const std::shared_ptr<rooms::Room> room;
  bool joined = false;
  std::string pid, name, phx_ref;
  domain::Role role = domain::Role::kParticipant;
};

struct Connection::Impl {
  Impl(Connection& owner, rooms::RoomRegistry& rooms, std::weak_ptr<Transport> transport, ConnectionInfo info)
      : owner(owner), rooms(rooms), transport(std::move(transport)), info(std::move(info)) {}

  void Send(std::string frame) {
    if (auto t = transport.lock()) t->Send(std::make_shared<const std::string>(std::move(frame)));
  }
  void Reply(const Ref& join_ref, const Ref& ref, std::string_view topic, std::string_view status,
             std::string_view response) {
    Send(EncodeReply(join_ref, ref, topic, status, response));
  }
  void ReplyError(const Ref& join_ref, const Ref& ref, std::string_view topic, std::string_view reason,
                  std::string_view detail = {}) {
    Reply(join_ref, ref, topic, "error", ReasonJson(reason, detail));
  }
  void JoinError(const Ref& join_ref, const Ref& ref, std::string_view topic, std::string_view reason,
                 std::string_view detail = {}) {
    Bump(Stats().join_errors);
    ReplyError(join_ref, ref, topic, reason, detail);
  }
  void Close(uint16_t code, std::string_view reason) {
    if (auto t = transport.lock()) t->Close(code, reason);
  }

  void OnText(std::string_view text);
  void Dispatch(Frame& f);
  void HandleJoin(Frame& f);
  void HandlePush(ChannelSession& ch, Frame& f);
  void OnJoined(const std::shared_ptr<ChannelSession>& ch, const Ref& ref, rooms::JoinResult r);
  // Ends a channel: unsubscribes, untracks its presence, forgets it. No frame is sent.
  void Drop(const std::shared_ptr<ChannelSession>& ch);
  void DropAll();

  Connection& owner;
  rooms::RoomRegistry& rooms;
  std::weak_ptr<Transport> transport;
  ConnectionInfo info;
  std::map<std::string, std::shared_ptr<ChannelSession>, std::less<>> channels;  // by topic
  TokenBucket bucket;
  bool closed = false;
};

void Connection::Impl::OnText(std::string_view text) {
  if (closed) return;
  if (text.size() > kMaxFrameBytes) {
    // Not worth parsing; a client that sends this is broken or hostile.
    return Close(1009, "message too big");
  }
  Frame f;
  if (auto err = DecodeFrame(text, &f)) {
    if (!err->addressable) {
      // Without refs there is nothing to answer; Phoenix drops such a connection too.
      spdlog::debug("channels {}: malformed frame: {}", info.remote, err->what);
      Bump(Stats().malformed_frames);
      return Close(1008, "malformed frame");
    }
    Bump(Stats().malformed_frames);
    return ReplyError(f.join_ref, f.ref, f.topic, "invalid_payload", err->what);
  }
  // Heartbeats are answered whatever the state and never rate limited (PHOENIX-PROTOCOL §5).
  if (f.topic == "phoenix" && f.event == "heartbeat") {
    Bump(Stats().heartbeats);
    return Reply(std::nullopt, f.ref, f.topic, "ok", kOkEmpty);
  }
  if (!bucket.Take()) {
    Bump(Stats().rate_limited);
    return ReplyError(f.join_ref, f.ref, f.topic, "rate_limited");
  }
  if (text.size() > kMaxMessageBytes) return ReplyError(f.join_ref, f.ref, f.topic, "message_too_large");
  Dispatch(f);
}

void Connection::Impl::Dispatch(Frame& f) {
  if (f.event == "phx_join") return HandleJoin(f);
  auto it = channels.find(f.topic);
  if (it == channels.end()) {
    if (f.event == "phx_leave") return Reply(f.join_ref, f.ref, f.topic, "ok", kOkEmpty);
    return ReplyError(std::nullopt, f.ref, f.topic, "unmatched topic");
  }
  std::shared_ptr<ChannelSession> ch = it->second;
  // A message of an earlier join of this topic: Phoenix ignores it (no reply).
  if (f.join_ref && f.join_ref != ch->join_ref) return;
  if (f.event == "phx_leave") {
    Reply(ch->join_ref, f.ref, f.topic, "ok", kOkEmpty);
    Send(EncodeMessage(ch->join_ref, ch->join_ref, f.topic, "phx_close", kOkEmpty));
    return Drop(ch);
  }
  if (!ch->joined) return ReplyError(ch->join_ref, f.ref, f.topic, "not_joined");
  if (f.event == "event") return HandlePush(*ch, f);
  ReplyError(ch->join_ref, f.ref, f.topic, "unknown_type", "unknown channel event");
}

void Connection::Impl::HandleJoin(Frame& f) {
  const std::string_view topic = f.topic;
  if (topic.substr(0, kTopicPrefix.size()) != kTopicPrefix) {
    return JoinError(std::nullopt, f.ref, topic, "unmatched topic");
  }
  if (auto it = channels.find(topic); it != channels.end()) {
    // A second join of a live topic replaces the first, which is closed (PHOENIX-PROTOCOL §3).
    std::shared_ptr<ChannelSession> old = it->second;
    Send(EncodeMessage(old->join_ref, old->join_ref, topic, "phx_close", kOkEmpty));
    Drop(old);
  }
  if (channels.size() >= kMaxChannelsPerConnection) {
    return JoinError(f.join_ref, f.ref, topic, "too many channels joined");
  }

  const nlohmann::json& p = f.payload;
  rooms::JoinRequest req;
  auto name = p.find("name");
  if (name == p.end() || !name->is_string()) {
    return JoinError(f.join_ref, f.ref, topic, "invalid_payload", "name is required");
  }
  req.name = name->get<std::string>();
  const size_t name_len = rooms::CodePoints(req.name);
  if (name_len == 0 || name_len > domain::kMaxNameLength) {
    return JoinError(f.join_ref, f.ref, topic, "invalid_payload", "name must be 1-40 characters");
  }
  if (!OptString(p, "pid", &req.pid) || !OptString(p, "secret", &req.secret) ||
      !OptString(p, "token", &req.token)) {
    return JoinError(f.join_ref, f.ref, topic, "invalid_payload", "pid, secret and token are strings");
  }
  if (auto since = p.find("since"); since != p.end() && !since->is_null()) {
    if (!since->is_number_integer() || since->get<int64_t>() < 0) {
      return JoinError(f.join_ref, f.ref, topic, "invalid_payload", "since is a seq (integer >= 0)");
    }
    req.since = since->get<int64_t>();
  }

  const std::string_view meeting_id = topic.substr(kTopicPrefix.size());
  if (!PlausibleMeetingId(meeting_id)) return JoinError(f.join_ref, f.ref, topic, "not_found");
  std::shared_ptr<rooms::Room> room;
  if (Status s = rooms.Get(meeting_id, &room); !s.ok()) {
    const bool missing = s.code() == Status::Code::kNotFound;
    if (!missing) spdlog::warn("channels: loading meeting {} failed: {}", meeting_id, s.ToString());
    return JoinError(f.join_ref, f.ref, topic, missing ? "not_found" : "unavailable");
  }

  auto ch = std::make_shared<ChannelSession>(transport, std::string(topic), f.join_ref, room);
  channels.emplace(ch->topic, ch);
  // The join may finish now (returning participant) or after its participant_joined commits.
  room->Join(std::move(req), ch,
             [conn = owner.weak_from_this(), weak_ch = std::weak_ptr<ChannelSession>(ch), ref = f.ref](
                 std::optional<std::string> reason, rooms::JoinResult r) {
               auto self = conn.lock();
               auto ch = weak_ch.lock();
               if (!self || !ch) return;  // the socket closed or the channel was left meanwhile
               Impl& impl = *self->impl_;
               if (reason) {
                 Bump(Stats().join_errors);
                 impl.ReplyError(ch->join_ref, ref, ch->topic, *reason);
                 if (auto it = impl.channels.find(ch->topic); it != impl.channels.end() && it->second == ch) {
                   impl.channels.erase(it);
                 }
                 return;
               }
               impl.OnJoined(ch, ref, std::move(r));
             });
}

void Connection::Impl::OnJoined(const std::shared_ptr<ChannelSession>& ch, const Ref& ref,
                                rooms::JoinResult r) {
  Bump(Stats().joins);
  ch->joined = true;
  ch->pid = std::move(r.pid);
  ch->name = std::move(r.name);
  ch->role = r.role;

  std::string resp;
  resp.reserve(128 + r.events_json.size());
  resp.append("{\"pid\":");
  AppendJsonString(&resp, ch->pid);
  if (!r.secret.empty()) {
    resp.append(",\"secret\":");
    AppendJsonString(&resp, r.secret);
  }
  resp.append(ch->role == domain::Role::kFacilitator ? ",\"role\":\"facilitator\""
                                                     : ",\"role\":\"participant\"");
  resp.append(",\"head_seq\":").append(std::to_string(r.head_seq));
  resp.append(r.resumed ? ",\"resumed\":true" : ",\"resumed\":false");
  resp.append(",\"events\":").append(r.events_json).append("}");
  Reply(ch->join_ref, ref, ch->topic, "ok", resp);

  // Presence: the joiner gets the full state (after its reply), everyone the diff (batched, later).
  RoomPresence& presence = RoomPresence::Of(*ch->room);
  ch->phx_ref = presence.table().Track(ch->pid, ch->name, NowMs());
  Send(EncodeMessage(ch->join_ref, std::nullopt, ch->topic, "presence_state", presence.table().StateJson()));
  presence.Publish();
}

void Connection::Impl::HandlePush(ChannelSession& ch, Frame& f) {
  const nlohmann::json& p = f.payload;
  auto id = p.find("id");
  auto type = p.find("type");
  auto data = p.find("data");
  if (id == p.end() || !id->is_string() || id->get_ref<const std::string&>().empty() ||
      id->get_ref<const std::string&>().size() > kMaxEventIdLength) {
    return ReplyError(ch.join_ref, f.ref, f.topic, "invalid_payload", "id must be a string of 1-64 bytes");
  }
  if (type == p.end() || !type->is_string()) {
    return ReplyError(ch.join_ref, f.ref, f.topic, "invalid_payload", "type must be a string");
  }
  if (data != p.end() && !data->is_object()) {
    return ReplyError(ch.join_ref, f.ref, f.topic, "invalid_payload", "data must be an object");
  }
  rooms::PushRequest req;
  req.id = id->get<std::string>();
  req.type = type->get<std::string>();
  req.data = data == p.end() ? nlohmann::json::object() : std::move(*data);
  req.actor = domain::Actor{ch.pid, ch.name, ch.role};
  ch.room->Push(std::move(req),
                [t = transport, jr = ch.join_ref, ref = f.ref, topic = ch.topic](rooms::PushResult r) {
                  auto transport = t.lock();
                  if (!transport) return;
                  std::string frame;
                  Bump(r.reason ? Stats().push_errors : Stats().pushes);
                  if (r.reason) {
                    frame = EncodeReply(jr, ref, topic, "error", ReasonJson(*r.reason));
                  } else if (r.seq) {
                    frame = EncodeReply(jr, ref, topic, "ok", "{\"seq\":" + std::to_string(*r.seq) + "}");
                  } else {
                    frame = EncodeReply(jr, ref, topic, "ok", kOkEmpty);
                  }
                  transport->Send(std::make_shared<const std::string>(std::move(frame)));
                });
}

void Connection::Impl::Drop(const std::shared_ptr<ChannelSession>& ch) {
  if (auto it = channels.find(ch->topic); it != channels.end() && it->second == ch) channels.erase(it);
  ch->room->Leave(ch.get());
  if (!ch->joined) return;
  ch->joined = false;
  RoomPresence& presence = RoomPresence::Of(*ch->room);
  if (presence.table().Untrack(ch->pid, ch->phx_ref)) presence.Publish();
}

void Connection::Impl::DropAll() {
  closed = true;
  while (!channels.empty()) {
    std::shared_ptr<ChannelSession> ch = channels.begin()->second;
    Drop(ch);
  }
}

Connection::Connection(rooms::RoomRegistry& rooms, std::weak_ptr<Transport> transport, ConnectionInfo info)
    : impl_(std::make_unique<Impl>(*this, rooms, std::move(transport), std::move(info))) {}

Connection::~Connection() {
  impl_->DropAll();
}

void Connection::OnText(std::string_view frame) {
  impl_->OnText(frame);
}

void Connection::OnBinary(std::string_view frame) {
  if (impl_->closed) return;
  BinaryHeader h;
  if (!DecodeBinaryHeader(frame, &h)) return impl_->Close(1003, "binary frames are not supported");
  if (!impl_->bucket.Take()) return impl_->ReplyError(h.join_ref, h.ref, h.topic, "rate_limited");
  impl_->ReplyError(h.join_ref, h.ref, h.topic, "invalid_payload", "binary frames are not supported");
}

void Connection::OnClosed() {
  impl_->DropAll();
}

}  // namespace confab::channels
