#include "views/event_labels.hpp"

#include <array>
#include <utility>

namespace confab::views {

std::string EventTypeLabel(std::string_view type) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 23> kLabels{{
      {"meeting_created", "Meeting created"},
      {"participant_joined", "Joined"},
      {"participant_renamed", "Renamed self"},
      {"meeting_renamed", "Meeting renamed"},
      {"settings_changed", "Settings changed"},
      {"facilitator_changed", "Facilitator handed over"},
      {"phase_changed", "Phase changed"},
      {"card_added", "Card added"},
      {"card_edited", "Card edited"},
      {"card_deleted", "Card deleted"},
      {"card_merged", "Cards merged"},
      {"card_voted", "Vote"},
      {"vote_withdrawn", "Vote withdrawn"},
      {"discussion_started", "Discussion started"},
      {"discussion_finished", "Discussion finished"},
      {"timer_started", "Timer started"},
      {"timer_extended", "Timer extended"},
      {"continue_voted", "Keep-going vote"},
      {"note_added", "Note added"},
      {"note_deleted", "Note deleted"},
      {"action_updated", "Action item updated"},
      {"reaction", "Reaction"},
      {"typing", "Typing"},
  }};
  for (const auto& [t, label] : kLabels) {
    if (t == type) return std::string(label);
  }
  std::string out(type);
  for (char& c : out) c = c == '_' ? ' ' : c;
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

}  // namespace confab::views
