// Rules of the meeting-level types: names, title, settings, phase.
#include <initializer_list>
#include <string_view>

#include "domain/fields.hpp"
#include "domain/rules.hpp"

namespace confab::domain {
namespace {

bool InRange(const std::optional<int64_t>& v, int64_t lo, int64_t hi) {
  return v && *v >= lo && *v <= hi;
}

}  // namespace

Reason ValidateParticipantRenamed(const Meeting&, const Actor&, const nlohmann::json& data) {
  auto name = StrField(data, "name");
  if (!name) return "invalid_payload";
  return CheckText(*name, kMaxNameLength, "title_too_long");
}

Reason ValidateMeetingRenamed(const Meeting&, const Actor&, const nlohmann::json& data) {
  auto title = StrField(data, "title");
  if (!title) return "invalid_payload";
  return CheckText(*title, kMaxTitleLength, "title_too_long");
}

// Every field is optional but at least one must be given; a given field must be valid. Lowering
// votes_per_person below what someone already cast keeps their votes (they just cannot add more).
Reason ValidateSettingsChanged(const Meeting&, const Actor&, const nlohmann::json& data) {
  bool any = false;
  if (Member(data, "votes_per_person") != nullptr) {
    if (!InRange(IntField(data, "votes_per_person"), kMinVotesPerPerson, kMaxVotesPerPerson)) {
      return "invalid_payload";
    }
    any = true;
  }
  if (Member(data, "timebox_s") != nullptr) {
    if (!InRange(IntField(data, "timebox_s"), kMinTimeboxS, kMaxTimeboxS)) return "invalid_payload";
    any = true;
  }
  for (std::string_view flag : {"anonymous_votes", "anonymous_cards", "hide_totals"}) {
    if (Member(data, flag) == nullptr) continue;
    if (!BoolField(data, flag)) return "invalid_payload";
    any = true;
  }
  if (!any) return "invalid_payload";
  return std::nullopt;
}

// Any phase may follow any other (facilitators step back and forth), but not the same one, and the
// running discussion must be finished before leaving "discuss" (no card is left "discussing").
Reason ValidatePhaseChanged(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto phase = StrField(data, "phase");
  if (!phase || !IsPhase(*phase)) return "invalid_payload";
  if (*phase == m.phase) return "wrong_phase";
  if (m.discussion) return "discussion_in_progress";
  return std::nullopt;
}

// Handing over to the pid that holds the role already is accepted (and logged): harmless, and a token
// holder taking the role back must not depend on knowing who holds it now.
Reason ValidateFacilitatorChanged(const Meeting& m, const Actor&, const nlohmann::json& data) {
  auto pid = StrField(data, "pid");
  if (!pid) return "invalid_payload";
  if (!m.participants.contains(*pid)) return "no_such_participant";
  return std::nullopt;
}

}  // namespace confab::domain
