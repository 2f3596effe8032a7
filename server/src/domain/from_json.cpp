// FromJson: the inverse of ToJson (to_json.cpp), for snapshots. Strict on shape — every canonical key
// present with its JSON type, no other key — and never throws: every read goes through an is_* check
// (fields.hpp). Values are checked only as far as Apply itself guarantees them for ANY stored events
// (phase and status names, positive votes, unique ids, one discussing card per discussion), so every
// state Apply can reach restores, while a snapshot that could not come from Apply is refused.
#include <initializer_list>
#include <set>
#include <string_view>
#include <utility>

#include "domain/fields.hpp"
#include "domain/rules.hpp"

namespace confab::domain {
namespace {

using nlohmann::json;

// `j` is an object holding (at least / exactly) `keys` (each once; JSON objects cannot repeat a key). Once
// this holds, *Member(j, key) is safe for each of them.
bool HasAll(const json& j, std::initializer_list<std::string_view> keys) {
  for (std::string_view key : keys) {
    if (Member(j, key) == nullptr) return false;
  }
  return j.is_object();
}

bool HasExactly(const json& j, std::initializer_list<std::string_view> keys) {
  return j.is_object() && j.size() == keys.size() && HasAll(j, keys);
}

// Typed reads into `out`; false when the member is missing or of another type. Numbers follow
// IntField: integers within int64 (an integral float such as 5.0 counts, as everywhere in the domain).
bool ReadStr(const json& j, std::string_view key, std::string& out) {
  auto v = StrField(j, key);
  if (!v) return false;
  out = *v;
  return true;
}

bool ReadInt(const json& j, std::string_view key, int64_t& out) {
  auto v = IntField(j, key);
  if (!v) return false;
  out = *v;
  return true;
}

bool ReadBool(const json& j, std::string_view key, bool& out) {
  auto v = BoolField(j, key);
  if (!v) return false;
  out = *v;
  return true;
}

bool IsCardStatus(std::string_view s) {
  return s == "todo" || s == "discussing" || s == "done" || s == "parked";
}

std::optional<Settings> ReadSettings(const json& j) {
  Settings s;
  if (!HasExactly(j,
                  {"votes_per_person", "timebox_s", "anonymous_votes", "anonymous_cards", "hide_totals"}) ||
      !ReadInt(j, "votes_per_person", s.votes_per_person) || !ReadInt(j, "timebox_s", s.timebox_s) ||
      !ReadBool(j, "anonymous_votes", s.anonymous_votes) ||
      !ReadBool(j, "anonymous_cards", s.anonymous_cards) || !ReadBool(j, "hide_totals", s.hide_totals)) {
    return std::nullopt;
  }
  return s;
}

bool ReadParticipants(const json& j, Meeting& m) {
  if (!j.is_object()) return false;
  for (const auto& [pid, p] : j.items()) {
    Participant participant;
    if (!HasExactly(p, {"name"}) || !ReadStr(p, "name", participant.name)) return false;
    m.participants.emplace(pid, std::move(participant));
  }
  return true;
}

// Reads the optional key `key` (absent, or a string satisfying `valid`) into `out`; false when present
// and not such a string. `count` counts the keys read, for the exact-keys check.
template <typename Valid>
bool ReadOptionalStr(const json& j, std::string_view key, Valid valid, std::optional<std::string>& out,
                     size_t& count) {
  const json* v = Member(j, key);
  if (v == nullptr) return true;
  if (!v->is_string() || !valid(v->get_ref<const std::string&>())) return false;
  out = v->get<std::string>();
  ++count;
  return true;
}

bool AnyString(std::string_view) {
  return true;
}

// owner and due are keys only when set, and only on an action item (Apply never puts them elsewhere).
std::optional<Note> ReadNote(const json& j) {
  Note n;
  size_t keys = 4;
  if (!j.is_object() || !ReadOptionalStr(j, "owner", AnyString, n.owner, keys) ||
      !ReadOptionalStr(j, "due", IsDate, n.due, keys) || j.size() != keys ||
      !ReadStr(j, "note_id", n.note_id) || !ReadStr(j, "text", n.text) || !ReadStr(j, "kind", n.kind) ||
      !ReadStr(j, "author", n.author) || ((n.owner || n.due) && n.kind != "action")) {
    return std::nullopt;
  }
  return n;
}

// An anonymous card has both `anonymous: true` and `seal`; any other card neither (false is not canonical:
// the key is absent).
bool ReadSeal(const json& j, Card& c, size_t& keys) {
  const json* anonymous = Member(j, "anonymous");
  if (!ReadOptionalStr(j, "seal", AnyString, c.seal, keys)) return false;
  if (anonymous == nullptr) return !c.seal;
  ++keys;
  return c.seal && anonymous->is_boolean() && anonymous->get<bool>();
}

// `merged` is a key only when non-empty: absent, or a non-empty array of {card_id, title, author} strings.
bool ReadMerged(const json& j, Card& c, size_t& keys) {
  const json* merged = Member(j, "merged");
  if (merged == nullptr) return true;
  ++keys;
  if (!merged->is_array() || merged->empty()) return false;
  for (const json& item : *merged) {
    MergedCard m;
    if (!HasExactly(item, {"card_id", "title", "author"}) || !ReadStr(item, "card_id", m.card_id) ||
        !ReadStr(item, "title", m.title) || !ReadStr(item, "author", m.author)) {
      return false;
    }
    c.merged.push_back(std::move(m));
  }
  return true;
}

std::optional<Card> ReadCard(const json& j) {
  Card c;
  size_t keys = 7;
  if (!j.is_object() || !ReadSeal(j, c, keys) || !ReadMerged(j, c, keys) || j.size() != keys ||
      !HasAll(j, {"card_id", "title", "author", "status", "votes", "discussed_ms", "notes"}) ||
      !ReadStr(j, "card_id", c.card_id) || !ReadStr(j, "title", c.title) || !ReadStr(j, "author", c.author) ||
      !ReadStr(j, "status", c.status) || !IsCardStatus(c.status) ||
      !ReadInt(j, "discussed_ms", c.discussed_ms)) {
    return std::nullopt;
  }
  const json& votes = *Member(j, "votes");
  if (!votes.is_object()) return std::nullopt;
  for (const auto& item : votes.items()) {
    int64_t count = 0;
    // A pid with no votes has no key, so every count is positive (Apply erases a count that drops to 0).
    if (!ReadInt(votes, item.key(), count) || count <= 0) return std::nullopt;
    c.votes.emplace(item.key(), count);
  }
  const json& notes = *Member(j, "notes");
  if (!notes.is_array()) return std::nullopt;
  for (const json& item : notes) {
    auto note = ReadNote(item);
    if (!note) return std::nullopt;
    c.notes.push_back(std::move(*note));
  }
  return c;
}

std::optional<Timer> ReadTimer(const json& j) {
  Timer t;
  if (!HasExactly(j, {"seconds", "started_ts", "ends_ts"}) || !ReadInt(j, "seconds", t.seconds) ||
      !ReadInt(j, "started_ts", t.started_ts) || !ReadInt(j, "ends_ts", t.ends_ts)) {
    return std::nullopt;
  }
  return t;
}

std::optional<Discussion> ReadDiscussion(const json& j) {
  Discussion d;
  if (!HasExactly(j, {"card_id", "started_ts", "timer", "continue_votes"}) ||
      !ReadStr(j, "card_id", d.card_id) || !ReadInt(j, "started_ts", d.started_ts)) {
    return std::nullopt;
  }
  if (const json& timer = *Member(j, "timer"); !timer.is_null()) {
    d.timer = ReadTimer(timer);
    if (!d.timer) return std::nullopt;
  }
  const json& votes = *Member(j, "continue_votes");
  if (!votes.is_object()) return std::nullopt;
  for (const auto& [pid, v] : votes.items()) {
    if (!v.is_string() || !IsContinueVote(v.get_ref<const std::string&>())) return std::nullopt;
    d.continue_votes.emplace(pid, v.get_ref<const std::string&>());
  }
  return d;
}

// Ids are unique (card_id among cards, note_id among all notes) and a discussion names an existing card,
// the one card "discussing"; without a discussion no card is. Rebuilds votes_used from the cards.
bool CheckAndIndex(Meeting& m) {
  std::set<std::string_view> card_ids, note_ids;
  int discussing = 0;
  for (const Card& c : m.cards) {
    if (!card_ids.insert(c.card_id).second) return false;
    for (const Note& n : c.notes) {
      if (!note_ids.insert(n.note_id).second) return false;
    }
    if (c.status == "discussing") {
      ++discussing;
      if (!m.discussion || m.discussion->card_id != c.card_id) return false;
    }
    for (const auto& [pid, n] : c.votes) {
      int64_t& used = m.votes_used[pid];
      if (__builtin_add_overflow(used, n, &used)) return false;
    }
  }
  return discussing == (m.discussion ? 1 : 0);
}

std::optional<Meeting> Read(const json& j) {
  Meeting m;
  if (!HasExactly(j, {"title", "phase", "created_ts", "settings", "participants", "facilitator", "cards",
                      "discussion", "last_seq", "last_ts"}) ||
      !ReadStr(j, "title", m.title) || !ReadStr(j, "phase", m.phase) || !IsPhase(m.phase) ||
      !ReadInt(j, "created_ts", m.created_ts) || !ReadInt(j, "last_seq", m.last_seq) ||
      !ReadInt(j, "last_ts", m.last_ts)) {
    return std::nullopt;
  }
  auto settings = ReadSettings(*Member(j, "settings"));
  if (!settings || !ReadParticipants(*Member(j, "participants"), m)) return std::nullopt;
  m.settings = *settings;
  // Any pid, even one that is not a participant: Apply sets what a stored facilitator_changed names, and
  // only Validate checks membership (docs/domain.md).
  if (const json& f = *Member(j, "facilitator"); f.is_string()) {
    m.facilitator = f.get<std::string>();
  } else if (!f.is_null()) {
    return std::nullopt;
  }
  const json& cards = *Member(j, "cards");
  if (!cards.is_array()) return std::nullopt;
  for (const json& item : cards) {
    auto card = ReadCard(item);
    if (!card) return std::nullopt;
    m.cards.push_back(std::move(*card));
  }
  if (const json& d = *Member(j, "discussion"); !d.is_null()) {
    m.discussion = ReadDiscussion(d);
    if (!m.discussion) return std::nullopt;
  }
  if (!CheckAndIndex(m)) return std::nullopt;
  return m;
}

}  // namespace

std::optional<Meeting> FromJson(const nlohmann::json& j) {
  try {
    return Read(j);
  } catch (const nlohmann::json::exception&) {  // not expected: every read above is type-checked
    return std::nullopt;
  }
}

}  // namespace confab::domain
