#include "channels/connection.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <vector>

#include "channels/frame.hpp"
#include "channels/limits.hpp"
#include "channels/presence.hpp"
#include "channels/stats.hpp"
#include "domain/meeting.hpp"
#include "rooms/io_threads.hpp"
#include "rooms/room.hpp"
#include "rooms/room_registry.hpp"
#include "util/token_bucket.hpp"

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
// Lives on the connection's thread; the room holds it (through its Fanout) only on this thread.
class ChannelSession final : public rooms::Subscriber {
 public:
  ChannelSession(std::weak_ptr<Transport> transport, std::string topic, Ref join_ref)
      : transport_(std::move(transport)),
        topic(std::move(topic)),
        join_ref(std::move(join_ref)),
        meeting_id(this->topic.substr(kTopicPrefix.size())),
        phx_ref(NewPhxRef()) {}

  void Deliver(const rooms::Broadcast& b) override {
    if (auto t = transport_.lock()) {
      t->Send(b.frame);
      Bump(Stats().deliveries);
    }
  }

  std::weak_ptr<Transport> transport_;
  const std::string topic;
  const Ref join_ref;
  const std::string meeting_id;
  const std::string phx_ref;          // chosen here, so a leave can name the meta before the join is answered
  std::shared_ptr<rooms::Room> room;  // set once joined
  std::string pid, name;
  std::string seal_key;  // proves this participant's anonymous cards (never sent, never stored)
  domain::Role role = domain::Role::kParticipant;
  bool joined = false;  // beside `role`: both in one padded word
};

void InstallBroadcastEncoder(rooms::RoomRegistry& rooms) {
  rooms.set_encoder([](std::string_view meeting_id, std::string_view event,
                       const std::string& payload) -> rooms::SharedText {
    std::string topic(kTopicPrefix);
    topic.append(meeting_id);
    return EncodeBroadcast(topic, event, payload);
  });
}

// The channels of one socket by topic, with the interface of the map it replaces. Nearly every socket
// has exactly one: a vector searched in order costs one 32-byte entry per channel, where a map node
// holding a copy of the topic cost ~120 bytes, on every open socket. The key views the channel's own
// topic, which lives as long as the entry does.
class ChannelTable {
 public:
  using Entry = std::pair<std::string_view, std::shared_ptr<ChannelSession>>;
  using iterator = std::vector<Entry>::iterator;

  iterator begin() { return entries_.begin(); }
  iterator end() { return entries_.end(); }
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  iterator find(std::string_view topic) {
    return std::find_if(entries_.begin(), entries_.end(),
                        [topic](const Entry& e) { return e.first == topic; });
  }
  // Like std::map::emplace: a topic already present is left as it is.
  void emplace(std::string_view topic, std::shared_ptr<ChannelSession> ch) {
    if (find(topic) == end()) entries_.emplace_back(topic, std::move(ch));
  }
  void erase(iterator it) {
    entries_.erase(it);
    if (entries_.empty()) std::vector<Entry>().swap(entries_);
  }

 private:
  std::vector<Entry> entries_;
};

struct Connection::Impl {
  Impl(Connection& owner, rooms::RoomRegistry& rooms, std::weak_ptr<Transport> transport, ConnectionInfo info)
      : owner(owner),
        rooms(rooms),
        io(rooms.threads().at(info.thread)),
        transport(std::move(transport)),
        info(std::move(info)) {}

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
  void OnJoined(const std::shared_ptr<ChannelSession>& ch, const Ref& ref, std::shared_ptr<rooms::Room> room,
                rooms::JoinResult r, const std::string& presence_state);
  void OnJoinFailed(const std::shared_ptr<ChannelSession>& ch, const Ref& ref, std::string_view reason);
  // Ends a channel: unsubscribes, untracks its presence, forgets it. No frame is sent.
  void Drop(const std::shared_ptr<ChannelSession>& ch);
  void DropAll();

  Connection& owner;
  rooms::RoomRegistry& rooms;
  boost::asio::io_context& io;  // this connection's thread
  std::weak_ptr<Transport> transport;
  ConnectionInfo info;
  ChannelTable channels;
  TokenBucket bucket{kRateBurst, kRatePerSecond};  // this socket's; the room has one per meeting
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
  req.thread = info.thread;

  auto ch = std::make_shared<ChannelSession>(transport, std::string(topic), f.join_ref);
  channels.emplace(ch->topic, ch);
  // Everything below runs on the room's thread; the answer comes back here through RunOn, which keeps
  // it ahead of the broadcasts that follow it.
  auto back = [conn = owner.weak_from_this(), weak_ch = std::weak_ptr<ChannelSession>(ch), ref = f.ref,
               io = &io](auto fn) {
    rooms::RunOn(*io, [conn, weak_ch, ref, fn = std::move(fn)]() mutable {
      auto self = conn.lock();
      auto ch = weak_ch.lock();
      if (!self || !ch) return;  // the socket closed or the channel was left meanwhile
      fn(*self->impl_, ch, ref);
    });
  };
  rooms.Get(ch->meeting_id, [req = std::move(req), weak_ch = std::weak_ptr<ChannelSession>(ch), back,
                             phx_ref = ch->phx_ref](Status s, std::shared_ptr<rooms::Room> room) mutable {
    if (!s.ok()) {
      const bool missing = s.code() == Status::Code::kNotFound;
      if (!missing) spdlog::warn("channels: loading a meeting failed: {}", s.ToString());
      return back([missing](Impl& impl, const std::shared_ptr<ChannelSession>& ch, const Ref& ref) {
        impl.OnJoinFailed(ch, ref, missing ? "not_found" : "unavailable");
      });
    }
    if (weak_ch.expired()) return;
    // The join may finish now (returning participant) or after its participant_joined commits.
    room->Join(std::move(req), weak_ch,
               [room, weak_ch, back, phx_ref](std::optional<std::string> reason, rooms::JoinResult r) {
                 if (reason) {
                   return back(
                       [reason = std::move(*reason)](Impl& impl, const std::shared_ptr<ChannelSession>& ch,
                                                     const Ref& ref) { impl.OnJoinFailed(ch, ref, reason); });
                 }
                 if (weak_ch.expired()) return;  // its leave is on its way here and finds nothing tracked
                 // Presence lives with the room: track here, send the state (which includes the joiner)
                 // with the reply; everyone else gets the diff (batched, later).
                 RoomPresence& presence = RoomPresence::Of(*room);
                 presence.Track(r.pid, r.name, NowMs(), phx_ref);
                 std::string state = presence.table().StateJson();
                 presence.Publish();
                 back([room, r = std::move(r), state = std::move(state)](
                          Impl& impl, const std::shared_ptr<ChannelSession>& ch, const Ref& ref) mutable {
                   impl.OnJoined(ch, ref, std::move(room), std::move(r), state);
                 });
               });
  });
}

void Connection::Impl::OnJoinFailed(const std::shared_ptr<ChannelSession>& ch, const Ref& ref,
                                    std::string_view reason) {
  Bump(Stats().join_errors);
  ReplyError(ch->join_ref, ref, ch->topic, reason);
  if (auto it = channels.find(ch->topic); it != channels.end() && it->second == ch) channels.erase(it);
}

void Connection::Impl::OnJoined(const std::shared_ptr<ChannelSession>& ch, const Ref& ref,
                                std::shared_ptr<rooms::Room> room, rooms::JoinResult r,
                                const std::string& presence_state) {
  Bump(Stats().joins);
  ch->joined = true;
  ch->room = std::move(room);
  ch->pid = std::move(r.pid);
  ch->name = std::move(r.name);
  ch->role = r.role;
  ch->seal_key = std::move(r.seal_key);

  std::string resp;
  resp.reserve(128 + r.events_json.size() + (r.state_json ? r.state_json->size() : 0));
  resp.append("{\"pid\":");
  AppendJsonString(&resp, ch->pid);
  if (!r.secret.empty()) {
    resp.append(",\"secret\":");
    AppendJsonString(&resp, r.secret);
  }
  resp.append(ch->role == domain::Role::kFacilitator ? ",\"role\":\"facilitator\""
                                                     : ",\"role\":\"participant\"");
  resp.append(",\"head_seq\":").append(std::to_string(r.head_seq));
  if (!r.own_cards.empty()) {
    resp.append(",\"own_cards\":[");
    for (size_t i = 0; i < r.own_cards.size(); ++i) {
      if (i > 0) resp.push_back(',');
      AppendJsonString(&resp, r.own_cards[i]);
    }
    resp.push_back(']');
  }
  if (r.resumed) {
    resp.append(",\"resumed\":true,\"events\":").append(r.events_json).append("}");
  } else {
    resp.append(",\"resumed\":false,\"state\":").append(*r.state_json).append("}");
  }
  Reply(ch->join_ref, ref, ch->topic, "ok", resp);
  Send(EncodeMessage(ch->join_ref, std::nullopt, ch->topic, "presence_state", presence_state));
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
  req.seal_key = ch.seal_key;
  // The ack is encoded on the room's thread and queued here, ahead of the broadcast that follows it.
  auto reply = [t = transport, io = &io, jr = ch.join_ref, ref = f.ref,
                topic = ch.topic](rooms::PushResult r) {
    Bump(r.reason ? Stats().push_errors : Stats().pushes);
    std::string frame;
    if (r.reason) {
      frame = EncodeReply(jr, ref, topic, "error", ReasonJson(*r.reason));
    } else if (r.seq) {
      frame = EncodeReply(jr, ref, topic, "ok", "{\"seq\":" + std::to_string(*r.seq) + "}");
    } else {
      frame = EncodeReply(jr, ref, topic, "ok", kOkEmpty);
    }
    rooms::RunOn(*io, [t, frame = std::make_shared<const std::string>(std::move(frame))] {
      if (auto transport = t.lock()) transport->Send(frame);
    });
  };
  rooms::RunOn(ch.room->io(), [room = ch.room, req = std::move(req), reply = std::move(reply)]() mutable {
    room->Push(std::move(req), std::move(reply));
  });
}

void Connection::Impl::Drop(const std::shared_ptr<ChannelSession>& ch) {
  if (auto it = channels.find(ch->topic); it != channels.end() && it->second == ch) channels.erase(it);
  ch->Unsubscribe();  // no broadcast reaches it from now on
  ch->joined = false;
  // The room learns it on its own thread. A join still on its way there finds the channel gone and
  // neither subscribes nor tracks it; one answered already is undone here.
  rooms.IfLoaded(ch->meeting_id, [sub = ch.get(), phx_ref = ch->phx_ref](rooms::Room& room) {
    room.Leave(sub);
    if (room.attachment(rooms::Room::Slot::kPresence) == nullptr) return;
    RoomPresence& presence = RoomPresence::Of(room);
    if (presence.Untrack(phx_ref)) presence.Publish();
  });
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
