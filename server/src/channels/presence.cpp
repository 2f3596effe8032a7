#include "channels/presence.hpp"

#include <atomic>
#include <memory>
#include <set>

#include "channels/frame.hpp"
#include "util/crypto.hpp"

namespace confab::channels {
namespace {

// One meta object.
void AppendMeta(std::string* out, const PresenceTable::Meta& m) {
  out->append("{\"name\":");
  AppendJsonString(out, m.name);
  out->append(",\"online_at\":");
  out->append(std::to_string(m.online_at));
  out->append(",\"phx_ref\":");
  AppendJsonString(out, m.phx_ref);
  out->push_back('}');
}

// key:{"metas":[m, …]}, … for every key of `metas`.
void AppendMetas(std::string* out, const PresenceTable::Metas& metas) {
  bool first_key = true;
  for (const auto& [key, list] : metas) {
    if (!first_key) out->push_back(',');
    first_key = false;
    AppendJsonString(out, key);
    out->append(":{\"metas\":[");
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendMeta(out, list[i]);
    }
    out->append("]}");
  }
}

}  // namespace

std::string NewPhxRef() {
  static std::atomic<uint64_t> counter{0};
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // 64 bits of counter (unique in this process) then 32 random bits (unique across restarts, which
  // matters because clients keep metas of a previous connection until the next presence_state).
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  const std::string rnd = RandomHex(4);
  const uint64_t r = std::stoull(rnd, nullptr, 16);
  std::string out;
  uint64_t v = n;
  do {
    out.push_back(kAlphabet[v & 63]);
    v >>= 6;
  } while (v != 0);
  out.push_back('.');
  for (int i = 0; i < 6; ++i) out.push_back(kAlphabet[(r >> (6 * i)) & 63]);
  return out;
}

std::string PresenceTable::Track(const std::string& key, std::string name, int64_t online_at) {
  std::string ref = NewPhxRef();
  Track(key, std::move(name), online_at, ref);
  return ref;
}

void PresenceTable::Track(const std::string& key, std::string name, int64_t online_at, std::string phx_ref) {
  Meta m{std::move(name), online_at, std::move(phx_ref)};
  joins_[key].push_back(m);
  by_key_[key].push_back(std::move(m));
}

bool PresenceTable::Untrack(const std::string& key, std::string_view phx_ref) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  auto& metas = it->second;
  for (auto m = metas.begin(); m != metas.end(); ++m) {
    if (m->phx_ref != phx_ref) continue;
    leaves_[key].push_back(std::move(*m));
    metas.erase(m);
    if (metas.empty()) by_key_.erase(it);
    return true;
  }
  return false;
}

std::string PresenceTable::StateJson() const {
  std::string out = "{";
  AppendMetas(&out, by_key_);
  out.push_back('}');
  return out;
}

std::string PresenceTable::TakeDiff() {
  if (joins_.empty() && leaves_.empty()) return {};
  std::string out = "{\"joins\":{";
  AppendMetas(&out, joins_);
  out.append("},\"leaves\":{");
  AppendMetas(&out, leaves_);
  out.append("}}");
  joins_.clear();
  leaves_.clear();
  return out;
}

RoomPresence::RoomPresence(rooms::Room& room) : room_(room), timer_(room.io()) {}

RoomPresence& RoomPresence::Of(rooms::Room& room) {
  if (auto* presence = static_cast<RoomPresence*>(room.attachment(rooms::Room::Slot::kPresence)))
    return *presence;
  auto presence = std::make_unique<RoomPresence>(room);
  RoomPresence& ref = *presence;
  room.set_attachment(rooms::Room::Slot::kPresence, std::move(presence));
  return ref;
}

void RoomPresence::Track(const std::string& pid, std::string name, int64_t online_at,
                         const std::string& phx_ref) {
  Meta meta{std::move(name), online_at, phx_ref};
  table_.Track(pid, meta.name, online_at, phx_ref);
  if (observer_) observer_->OnLocalTrack(pid, meta);
  entries_[phx_ref] = Entry{pid, "", std::move(meta)};
}

bool RoomPresence::Untrack(const std::string& phx_ref) {
  auto it = entries_.find(phx_ref);
  if (it == entries_.end() || !it->second.origin.empty()) return false;
  Remove(phx_ref);
  if (observer_) observer_->OnLocalUntrack(phx_ref);
  return true;
}

bool RoomPresence::Remove(const std::string& phx_ref) {
  auto it = entries_.find(phx_ref);
  if (it == entries_.end()) return false;
  table_.Untrack(it->second.key, phx_ref);
  entries_.erase(it);
  return true;
}

std::vector<RoomPresence::Member> RoomPresence::LocalMembers() const {
  std::vector<Member> out;
  for (const auto& [ref, e] : entries_) {
    if (e.origin.empty()) out.push_back({e.key, e.meta});
  }
  return out;
}

void RoomPresence::TrackRemote(const std::string& origin, Member m) {
  if (origin.empty() || entries_.contains(m.meta.phx_ref)) return;  // a repeat (sync after a join)
  table_.Track(m.key, m.meta.name, m.meta.online_at, m.meta.phx_ref);
  std::string ref = m.meta.phx_ref;
  entries_.emplace(std::move(ref), Entry{std::move(m.key), origin, std::move(m.meta)});
  Publish();
}

void RoomPresence::UntrackRemote(const std::string& origin, const std::string& phx_ref) {
  auto it = entries_.find(phx_ref);
  if (it == entries_.end() || it->second.origin != origin) return;
  Remove(phx_ref);
  Publish();
}

void RoomPresence::ReplaceRemote(const std::string& origin, const std::vector<Member>& members) {
  std::set<std::string, std::less<>> now;
  for (const Member& m : members) now.insert(m.meta.phx_ref);
  std::vector<std::string> gone;
  for (const auto& [ref, e] : entries_) {
    if (e.origin == origin && !now.contains(ref)) gone.push_back(ref);
  }
  for (const std::string& ref : gone) Remove(ref);
  for (const Member& m : members) TrackRemote(origin, m);
  if (!gone.empty()) Publish();
}

void RoomPresence::DropRemote(const std::string& origin) {
  ReplaceRemote(origin, {});
}

void RoomPresence::Publish() {
  if (scheduled_) return;
  scheduled_ = true;
  timer_.expires_at(std::max(std::chrono::steady_clock::now(), last_sent_ + kPresenceBatchWindow));
  // The room may be unloaded before the timer fires; a completion already queued then would outlive
  // this object, so the handler finds it again through the room instead of capturing `this`.
  timer_.async_wait([room = room_.weak_from_this()](const boost::system::error_code& ec) {
    if (ec) return;
    if (auto r = room.lock()) Of(*r).Flush();
  });
}

void RoomPresence::Flush() {
  scheduled_ = false;
  std::string diff = table_.TakeDiff();
  if (diff.empty()) return;
  last_sent_ = std::chrono::steady_clock::now();
  room_.Send("presence_diff", std::make_shared<const std::string>(std::move(diff)));
}

}  // namespace confab::channels
