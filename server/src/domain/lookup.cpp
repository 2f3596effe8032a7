// Lookups and shared checks used by both Validate and Apply.
#include <algorithm>

#include "domain/fields.hpp"
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

bool IsFacilitator(const Meeting& m, const Actor& a) {
  return m.facilitator ? a.pid == *m.facilitator : a.role == Role::kFacilitator;
}

bool IsAuthorOf(const Card& card, const Actor& a) {
  if (card.author == a.pid) return true;
  if (!card.seal) return false;
  auto it = a.seals.find(card.card_id);
  return it != a.seals.end() && it->second == *card.seal;
}

bool IsAuthorOrFacilitator(const Meeting& m, const Card& card, const Actor& a) {
  return IsAuthorOf(card, a) || IsFacilitator(m, a);
}

bool IsDate(std::string_view s) {
  auto digits = [&](size_t from, size_t n) {
    int v = 0;
    for (size_t i = from; i < from + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return -1;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return day <= (month == 2 && leap ? 29 : kDays[month - 1]);
}

ActionFields ReadActionFields(const nlohmann::json& data) {
  ActionFields f;
  if (const nlohmann::json* owner = Member(data, "owner")) {
    f.has_owner = true;
    if (owner->is_string()) {
      f.owner = owner->get<std::string>();
    } else if (!owner->is_null()) {
      f.ok = false;
    }
  }
  if (const nlohmann::json* due = Member(data, "due")) {
    f.has_due = true;
    if (due->is_string() && IsDate(due->get_ref<const std::string&>())) {
      f.due = due->get<std::string>();
    } else if (!due->is_null()) {
      f.ok = false;
    }
  }
  return f;
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
