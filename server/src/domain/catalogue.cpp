// The event catalogue of CONTRACT §2: replay class and who may push each type.
#include <array>
#include <utility>

#include "domain/meeting.hpp"

namespace confab::domain {

const std::vector<EventSpec>& Catalogue() {
  using R = ReplayClass;
  static const std::vector<EventSpec> kCatalogue{
      {"meeting_created", R::kState, true, Who::kServer},
      {"participant_joined", R::kState, true, Who::kServer},
      {"participant_renamed", R::kState, false, Who::kSelf},
      {"meeting_renamed", R::kState, false, Who::kFacilitator},
      {"settings_changed", R::kState, false, Who::kFacilitator},
      {"phase_changed", R::kState, false, Who::kFacilitator},
      // Also a token holder (channel role facilitator) may push it: the owner takes the role back.
      {"facilitator_changed", R::kState, false, Who::kFacilitator},
      {"card_added", R::kState, false, Who::kAny},
      {"card_edited", R::kState, false, Who::kAuthor},
      {"card_deleted", R::kState, false, Who::kAuthor},
      {"card_merged", R::kState, false, Who::kAuthor},
      {"card_voted", R::kState, false, Who::kAny},
      {"vote_withdrawn", R::kState, false, Who::kAny},
      {"discussion_started", R::kState, false, Who::kFacilitator},
      {"discussion_finished", R::kState, false, Who::kFacilitator},
      {"timer_started", R::kState, false, Who::kFacilitator},
      {"timer_extended", R::kState, false, Who::kFacilitator},
      {"continue_voted", R::kState, false, Who::kAny},
      {"note_added", R::kState, false, Who::kAny},
      {"note_deleted", R::kState, false, Who::kAuthor},
      {"action_updated", R::kState, false, Who::kAny},
      {"reaction", R::kMoment, false, Who::kAny},
      {"typing", R::kTransient, false, Who::kAny},
  };
  return kCatalogue;
}

const EventSpec* FindEventType(std::string_view type) {
  for (const auto& spec : Catalogue()) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

std::span<const std::pair<std::string_view, int>> ReactionEmoji() {
  // Adding an emoji here adds it everywhere: Validate accepts it, the views score it (and
  // conformance/catalogue.json, which web/src/domain checks against too, must list it).
  static constexpr std::array<std::pair<std::string_view, int>, 10> kEmoji{{
      {"\U0001F44D", 1},    // 👍
      {"\U0001F44F", 1},    // 👏
      {"\U0001F389", 1},    // 🎉
      {"\u2764\uFE0F", 1},  // ❤️ (with the emoji presentation selector, as keyboards send it)
      {"\U0001F525", 1},    // 🔥
      {"\U0001F602", 1},    // 😂
      {"\U0001F914", 0},    // 🤔
      {"\U0001F62E", 0},    // 😮
      {"\U0001F44E", -1},   // 👎
      {"\U0001F622", -1},   // 😢
  }};
  return kEmoji;
}

std::optional<int> EmojiSentiment(std::string_view emoji) {
  for (const auto& [e, score] : ReactionEmoji()) {
    if (e == emoji) return score;
  }
  return std::nullopt;
}

}  // namespace confab::domain
