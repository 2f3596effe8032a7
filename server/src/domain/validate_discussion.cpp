// Rules of the discussion: starting and finishing a card, timers, continue votes, notes, reactions.
#include "domain/fields.hpp"
#include "domain/rules.hpp"

namespace confab::domain {
namespace {

bool InRange(const std::optional<int64_t>& v, int64_t lo, int64_t hi) {
  return v && *v >= lo && *v <= hi;
}

// An optional field is absent, or present with the right type; a present JSON null is a wrong type.
bool OptionalStr(const nlohmann::json& data, std::string_view key) {
  return Member(data, key) == nullptr || StrField(data, key).has_value();
}

}  // namespace

// A parked card may be picked up again; a done card may not.
Reason ValidateDiscussionStarted(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  if (!card_id) return "invalid_payload";
  if (m.phase != "discuss") return "wrong_phase";
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr) return "no_such_card";
  if (m.discussion) return "discussion_in_progress";
  if (card->status == "done") return "wrong_phase";
  return std::nullopt;
}

Reason ValidateDiscussionFinished(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  if (!card_id || !OptionalStr(data, "outcome")) return "invalid_payload";
  if (auto outcome = StrField(data, "outcome"); outcome && *outcome != "done" && *outcome != "parked") {
    return "invalid_payload";
  }
  if (!m.discussion || m.discussion->card_id != *card_id) return "no_discussion";
  return std::nullopt;
}

Reason ValidateTimerStarted(const Meeting& m, const Actor&, const nlohmann::json& data) {
  if (!InRange(IntField(data, "seconds"), kMinTimerS, kMaxTimerS)) return "invalid_payload";
  if (!m.discussion) return "no_discussion";
  return std::nullopt;
}

// No running discussion means no timer either, so that case is "no_timer" too.
Reason ValidateTimerExtended(const Meeting& m, const Actor&, const nlohmann::json& data) {
  if (!InRange(IntField(data, "seconds"), kMinTimerS, kMaxTimerS)) return "invalid_payload";
  if (!m.discussion || !m.discussion->timer) return "no_timer";
  return std::nullopt;
}

Reason ValidateContinueVoted(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto vote = StrField(data, "vote");
  if (!vote || !IsContinueVote(*vote)) return "invalid_payload";
  if (!m.discussion) return "no_discussion";
  return std::nullopt;
}

Reason ValidateNoteAdded(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  auto note_id = StrField(data, "note_id");
  auto text = StrField(data, "text");
  auto kind = StrField(data, "kind");
  if (!card_id || !IsId(note_id) || !text || !kind || !IsNoteKind(*kind)) return "invalid_payload";
  if (FindCard(m, *card_id) == nullptr) return "no_such_card";
  if (NoteIdTaken(m, *note_id)) return "duplicate_id";
  if (auto r = CheckText(*text, kMaxNoteLength, "text_too_long")) return r;
  // Owner and due date, checked after the rules that existed before them (their order stays).
  const ActionFields f = ReadActionFields(data);
  if (!f.ok || ((f.has_owner || f.has_due) && *kind != "action")) return "invalid_payload";
  if (f.owner && !m.participants.contains(*f.owner)) return "no_such_participant";
  return std::nullopt;
}

// A note that is not on the named card is reported like a missing card: the pair does not exist.
Reason ValidateNoteDeleted(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  auto note_id = StrField(data, "note_id");
  if (!card_id || !note_id) return "invalid_payload";
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr) return "no_such_card";
  for (const Note& n : card->notes) {
    if (n.note_id != *note_id) continue;
    if (n.author != a.pid && !IsFacilitator(m, a)) return "not_author";
    return std::nullopt;
  }
  return "no_such_card";
}

// Anyone may assign or date an action item (the room decides together); null clears a field.
Reason ValidateActionUpdated(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  auto note_id = StrField(data, "note_id");
  const ActionFields f = ReadActionFields(data);
  if (!card_id || !note_id || !f.ok || (!f.has_owner && !f.has_due)) return "invalid_payload";
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr) return "no_such_card";
  const Note* note = nullptr;
  for (const Note& n : card->notes) {
    if (n.note_id == *note_id) note = &n;
  }
  if (note == nullptr) return "no_such_card";
  if (note->kind != "action") return "invalid_payload";
  if (f.owner && !m.participants.contains(*f.owner)) return "no_such_participant";
  return std::nullopt;
}

Reason ValidateReaction(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto emoji = StrField(data, "emoji");
  if (!emoji || !EmojiSentiment(*emoji) || !OptionalStr(data, "card_id")) return "invalid_payload";
  if (auto card_id = StrField(data, "card_id"); card_id && FindCard(m, *card_id) == nullptr) {
    return "no_such_card";
  }
  return std::nullopt;
}

// Transient and cheap: only the shape is checked, a stale card_id is harmless.
Reason ValidateTyping(const Meeting&, const Actor&, const nlohmann::json& data) {
  if (!OptionalStr(data, "card_id")) return "invalid_payload";
  return std::nullopt;
}

}  // namespace confab::domain
