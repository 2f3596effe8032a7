// ToStore: what the log keeps of an accepted push. For anonymous cards this is where the author is
// dropped — the stored event names "anonymous" and carries the card's seal, never the pid
// (docs/domain.md, "Anonymous cards: what is kept and where").
#include "domain/fields.hpp"
#include "domain/rules.hpp"

namespace confab::domain {
namespace {

using nlohmann::json;

// The actor proves the seal of the anonymous card `card_id` (absent ids and plain cards: false).
bool ProvesSeal(const Meeting& m, const Actor& a, std::optional<std::string_view> card_id) {
  if (!card_id) return false;
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr || !card->seal) return false;
  auto it = a.seals.find(*card_id);
  return it != a.seals.end() && it->second == *card->seal;
}

bool IsAnonymousCard(const Meeting& m, std::optional<std::string_view> card_id) {
  const Card* card = card_id ? FindCard(m, *card_id) : nullptr;
  return card != nullptr && card->seal.has_value();
}

}  // namespace

Stored ToStore(const Meeting& m, const Actor& actor, std::string_view type, const json& data) {
  const json anonymous = {{"pid", kAnonymousPid}, {"name", kAnonymousName}};
  Stored out{{{"pid", actor.pid}, {"name", actor.name}}, data};
  auto card_id = StrField(data, "card_id");
  if (type == "card_added") {
    // The seal is the server's to give: one a client put in data is never stored as its own.
    if (out.data.is_object()) out.data.erase("seal");
    if (m.settings.anonymous_cards && card_id) {
      auto seal = actor.seals.find(*card_id);
      out.actor = anonymous;
      if (seal != actor.seals.end()) out.data["seal"] = seal->second;
    }
  } else if (type == "card_edited" || type == "card_deleted") {
    if (ProvesSeal(m, actor, card_id)) out.actor = anonymous;
  } else if (type == "card_merged") {
    if (ProvesSeal(m, actor, card_id) || ProvesSeal(m, actor, StrField(data, "into_card_id"))) {
      out.actor = anonymous;
    }
  } else if (type == "typing") {
    if (m.settings.anonymous_cards || IsAnonymousCard(m, card_id)) out.actor = anonymous;
  }
  return out;
}

}  // namespace confab::domain
