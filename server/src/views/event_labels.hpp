#pragma once
// Event types in words, for people reading the views (audit rows, feature usage): "Cards added", not
// card_added. The web keeps the same words (web/src/features/features/eventLabels.ts).
#include <string>
#include <string_view>

namespace confab::views {

// "Card added" for card_added; an unknown (newer) type gets its name with spaces for underscores.
std::string EventTypeLabel(std::string_view type);

}  // namespace confab::views
