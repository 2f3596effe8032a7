#include "channels/presence.hpp"

#include <atomic>
#include <boost/multi_index/hashed_index.hpp>
#include <boost/multi_index/ordered_index.hpp>
#include <boost/multi_index/tag.hpp>
#include <boost/multi_index_container.hpp>
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

// Both indexes key on views into the entry itself: a node never moves and entries are never modified
// in place, so the views live exactly as long as their entry.
struct PresenceTable::Index {
  struct KeyOf {
    using result_type = std::string_view;
    std::string_view operator()(const Entry& e) const { return e.key; }
  };
  struct RefOf {
    using result_type = std::string_view;
    std::string_view operator()(const Entry& e) const { return e.meta.phx_ref; }
  };
  struct ByKey {};
  struct ByRef {};
  // By key, then in the order tracked (for the payloads); by phx_ref (for untracking).
  using Set = boost::multi_index_container<
      Entry, boost::multi_index::indexed_by<
                 boost::multi_index::ordered_non_unique<boost::multi_index::tag<ByKey>, KeyOf>,
                 boost::multi_index::hashed_unique<boost::multi_index::tag<ByRef>, RefOf,
                                                   std::hash<std::string_view>>>>;
  Set set;
};

PresenceTable::PresenceTable() : index_(std::make_unique<Index>()) {}
PresenceTable::~PresenceTable() = default;
PresenceTable::PresenceTable(PresenceTable&&) noexcept = default;
PresenceTable& PresenceTable::operator=(PresenceTable&&) noexcept = default;

std::string PresenceTable::Track(const std::string& key, std::string name, int64_t online_at) {
  std::string ref = NewPhxRef();
  Track(key, std::move(name), online_at, ref);
  return ref;
}

bool PresenceTable::Track(const std::string& key, std::string name, int64_t online_at, std::string phx_ref,
                          std::string origin) {
  auto& by_ref = index_->set.get<Index::ByRef>();
  if (by_ref.find(std::string_view(phx_ref)) != by_ref.end()) return false;
  const bool new_key = index_->set.get<Index::ByKey>().count(std::string_view(key)) == 0;
  auto origin_it = origin.empty() ? origins_.end() : origins_.try_emplace(std::move(origin), 0).first;
  const std::string* interned = origin_it == origins_.end() ? nullptr : &origin_it->first;
  auto [it, inserted] =
      index_->set.insert(Entry{key, Meta{std::move(name), online_at, std::move(phx_ref)}, interned});
  if (!inserted) {
    if (interned && origin_it->second == 0) origins_.erase(origin_it);
    return false;
  }
  if (interned) ++origin_it->second;
  if (new_key) ++keys_;
  joins_[key].push_back(it->meta);
  return true;
}

bool PresenceTable::Untrack(const std::string& key, std::string_view phx_ref) {
  const Entry* e = Find(phx_ref);
  if (e == nullptr || e->key != key) return false;
  return Untrack(phx_ref);
}

bool PresenceTable::Untrack(std::string_view phx_ref) {
  auto& by_ref = index_->set.get<Index::ByRef>();
  auto it = by_ref.find(phx_ref);
  if (it == by_ref.end()) return false;
  if (index_->set.get<Index::ByKey>().count(std::string_view(it->key)) == 1) --keys_;
  // Copied out before the erase: the entry's strings are the index's keys.
  leaves_[it->key].push_back(it->meta);
  const std::string* origin = it->origin;
  by_ref.erase(it);
  if (origin) {
    auto o = origins_.find(*origin);
    if (--o->second == 0) origins_.erase(o);
  }
  return true;
}

const PresenceTable::Entry* PresenceTable::Find(std::string_view phx_ref) const {
  const auto& by_ref = index_->set.get<Index::ByRef>();
  auto it = by_ref.find(phx_ref);
  return it == by_ref.end() ? nullptr : &*it;
}

void PresenceTable::ForEach(const std::function<void(const Entry&)>& fn) const {
  for (const Entry& e : index_->set.get<Index::ByKey>()) fn(e);
}

std::string PresenceTable::StateJson() const {
  std::string out = "{";
  std::string_view key;
  bool first = true;
  for (const Entry& e : index_->set.get<Index::ByKey>()) {
    if (first || e.key != key) {
      if (!first) out.append("]},");
      first = false;
      key = e.key;
      AppendJsonString(&out, e.key);
      out.append(":{\"metas\":[");
    } else {
      out.push_back(',');
    }
    AppendMeta(&out, e.meta);
  }
  if (!first) out.append("]}");
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
  if (!table_.Track(pid, std::move(name), online_at, phx_ref)) return;
  if (observer_) observer_->OnLocalTrack(pid, table_.Find(phx_ref)->meta);
}

bool RoomPresence::Untrack(const std::string& phx_ref) {
  const PresenceTable::Entry* e = table_.Find(phx_ref);
  if (e == nullptr || e->origin) return false;
  table_.Untrack(std::string_view(phx_ref));
  if (observer_) observer_->OnLocalUntrack(phx_ref);
  return true;
}

std::vector<RoomPresence::Member> RoomPresence::LocalMembers() const {
  std::vector<Member> out;
  table_.ForEach([&out](const PresenceTable::Entry& e) {
    if (!e.origin) out.push_back({e.key, e.meta});
  });
  return out;
}

void RoomPresence::TrackRemote(const std::string& origin, Member m) {
  if (origin.empty()) return;
  // A repeat (sync after a join) is ignored by the table.
  if (!table_.Track(m.key, std::move(m.meta.name), m.meta.online_at, std::move(m.meta.phx_ref), origin))
    return;
  Publish();
}

void RoomPresence::UntrackRemote(const std::string& origin, const std::string& phx_ref) {
  const PresenceTable::Entry* e = table_.Find(phx_ref);
  if (e == nullptr || e->origin_name() != origin) return;
  table_.Untrack(std::string_view(phx_ref));
  Publish();
}

void RoomPresence::ReplaceRemote(const std::string& origin, const std::vector<Member>& members) {
  std::set<std::string_view> now;
  for (const Member& m : members) now.insert(m.meta.phx_ref);
  std::vector<std::string> gone;
  table_.ForEach([&](const PresenceTable::Entry& e) {
    if (e.origin_name() == origin && !now.contains(e.meta.phx_ref)) gone.push_back(e.meta.phx_ref);
  });
  for (const std::string& ref : gone) table_.Untrack(std::string_view(ref));
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
