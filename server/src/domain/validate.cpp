// Validate: the checks every event goes through, then the rule of its type.
#include <string_view>
#include <utility>

#include "domain/rules.hpp"

namespace confab::domain {
namespace {

using Rule = Reason (*)(const Meeting&, const Actor&, const nlohmann::json&);

Rule RuleOf(std::string_view type) {
  static constexpr std::pair<std::string_view, Rule> kRules[] = {
      {"participant_renamed", ValidateParticipantRenamed},
      {"meeting_renamed", ValidateMeetingRenamed},
      {"settings_changed", ValidateSettingsChanged},
      {"phase_changed", ValidatePhaseChanged},
      {"facilitator_changed", ValidateFacilitatorChanged},
      {"card_added", ValidateCardAdded},
      {"card_edited", ValidateCardEdited},
      {"card_deleted", ValidateCardDeleted},
      {"card_merged", ValidateCardMerged},
      {"card_voted", ValidateCardVoted},
      {"vote_withdrawn", ValidateVoteWithdrawn},
      {"discussion_started", ValidateDiscussionStarted},
      {"discussion_finished", ValidateDiscussionFinished},
      {"timer_started", ValidateTimerStarted},
      {"timer_extended", ValidateTimerExtended},
      {"continue_voted", ValidateContinueVoted},
      {"note_added", ValidateNoteAdded},
      {"note_deleted", ValidateNoteDeleted},
      {"action_updated", ValidateActionUpdated},
      {"reaction", ValidateReaction},
      {"typing", ValidateTyping},
  };
  for (const auto& [name, rule] : kRules) {
    if (name == type) return rule;
  }
  return nullptr;
}

// F-only types need the effective facilitator; facilitator_changed also lets a token holder through, so
// the meeting's owner can take the role back after handing it over.
bool MayFacilitate(const Meeting& m, const Actor& actor, std::string_view type) {
  return IsFacilitator(m, actor) || (type == "facilitator_changed" && actor.role == Role::kFacilitator);
}

}  // namespace

std::optional<std::string> Validate(const Meeting& m, const Actor& actor, std::string_view type,
                                    const nlohmann::json& data) {
  const EventSpec* spec = FindEventType(type);
  // Server-only types are invisible to clients: pushing one is the same as pushing an unknown type.
  if (spec == nullptr || spec->server_only) return "unknown_type";
  if (!m.participants.contains(actor.pid)) return "not_joined";
  if (spec->who == Who::kFacilitator && !MayFacilitate(m, actor, type)) return "not_facilitator";
  if (!data.is_object()) return "invalid_payload";
  Rule rule = RuleOf(type);
  return rule == nullptr ? Reason("unknown_type") : rule(m, actor, data);
}

}  // namespace confab::domain
