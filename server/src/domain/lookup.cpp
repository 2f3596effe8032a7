// Lookups and shared checks used by both Validate and Apply.
#include <algorithm>

#include "domain/rules.hpp"
#include "domain/text.hpp"

namespace confab::domain {

const Card* FindCard(const Meeting& m, std::string_view card_id) {
  auto it = std::find_if(m.cards.begin(), m.cards.end(), [&](const Card& c) { return c.card_id == card_id; });
  return it == m.cards.end() ? nullptr : &*it;
}

Card* FindCard(Meeting& m, std::string_view card_id) {
  return const_cast<Card*>(FindCard(static_cast<const Meeting&>(m), card_id));
}

bool NoteIdTaken(const Meeting& m, std::string_view note_id) {
  for (const Card& c : m.cards) {
    for (const Note& n : c.notes) {
      if (n.note_id == note_id) return true;
    }
  }
  return false;
}

bool IsPhase(std::string_view s) {
  return s == "collect" || s == "vote" || s == "discuss" || s == "done";
}
bool IsNoteKind(std::string_view s) {
  return s == "takeaway" || s == "action";
}
bool IsContinueVote(std::string_view s) {
  return s == "up" || s == "sideways" || s == "down";
}

Reason CheckText(std::string_view text, size_t max_len, const char* too_long) {
  if (IsBlank(text)) return "title_empty";
  if (CodePointCount(text) > max_len) return too_long;
  return std::nullopt;
}

bool IsId(const std::optional<std::string_view>& id) {
  return id && !id->empty() && CodePointCount(*id) <= kMaxIdLength;
}

}  // namespace confab::domain
