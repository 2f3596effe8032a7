#pragma once
// Internal to domain/: the per-type validation rules behind Validate, and the lookups they share
// with Apply. Each rule assumes Validate already checked the catalogue, the actor's membership,
// the facilitator-only types and that `data` is a JSON object.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "domain/meeting.hpp"

namespace confab::domain {

// A CONTRACT §2 error reason, nullopt when the rule passes.
using Reason = std::optional<std::string>;

const Card* FindCard(const Meeting& m, std::string_view card_id);
Card* FindCard(Meeting& m, std::string_view card_id);
// True when some card holds a note `note_id`.
bool NoteIdTaken(const Meeting& m, std::string_view note_id);
// A phase, card status, note kind or continue vote named in the contract.
bool IsPhase(std::string_view s);
bool IsNoteKind(std::string_view s);
bool IsContinueVote(std::string_view s);

// Meeting-level types (validate_meeting.cpp).
Reason ValidateParticipantRenamed(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateMeetingRenamed(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateSettingsChanged(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidatePhaseChanged(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateFacilitatorChanged(const Meeting& m, const Actor& a, const nlohmann::json& data);

// Cards and votes (validate_cards.cpp).
Reason ValidateCardAdded(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateCardEdited(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateCardDeleted(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateCardMerged(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateCardVoted(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateVoteWithdrawn(const Meeting& m, const Actor& a, const nlohmann::json& data);

// Discussion, timers, notes, reactions (validate_discussion.cpp).
Reason ValidateDiscussionStarted(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateDiscussionFinished(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateTimerStarted(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateTimerExtended(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateContinueVoted(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateNoteAdded(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateNoteDeleted(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateActionUpdated(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateReaction(const Meeting& m, const Actor& a, const nlohmann::json& data);
Reason ValidateTyping(const Meeting& m, const Actor& a, const nlohmann::json& data);

// Authorship of a card: its author pid, or (anonymous cards) the seal the actor proves for it.
bool IsAuthorOf(const Card& card, const Actor& a);
// "The author, or the facilitator" (card_edited, card_deleted).
bool IsAuthorOrFacilitator(const Meeting& m, const Card& card, const Actor& a);
// A real calendar date written "YYYY-MM-DD" (proleptic Gregorian, years 0000-9999).
bool IsDate(std::string_view s);

// The owner / due fields of an action item as a payload gives them (note_added, action_updated):
// each absent (nullopt), null (a present nullopt: clear) or a value. `ok` is false when one is present
// with another type, or due is not a date.
struct ActionFields {
  bool ok = true;
  bool has_owner = false, has_due = false;
  std::optional<std::string> owner, due;  // the value when given as a string
};
ActionFields ReadActionFields(const nlohmann::json& data);

// Shared checks. A required text: blank -> "title_empty" (the one "empty" reason, used for titles,
// names and note text alike), more than `max_len` code points -> `too_long`.
Reason CheckText(std::string_view text, size_t max_len, const char* too_long);
// An id chosen by the client (card_id, note_id): a non-empty string of at most kMaxIdLength code points.
bool IsId(const std::optional<std::string_view>& id);

}  // namespace confab::domain
