// Rules of cards and votes.
#include "domain/fields.hpp"
#include "domain/rules.hpp"

namespace confab::domain {
namespace {

bool IsCollectOrVote(const Meeting& m) {
  return m.phase == "collect" || m.phase == "vote";
}

// While anonymous_cards is on the card is stored with its seal instead of its author, so the push must
// come with one (the server always gives it; a missing one is a malformed push).
bool HasSeal(const Actor& a, std::string_view card_id) {
  auto it = a.seals.find(card_id);
  return it != a.seals.end() && !it->second.empty();
}

}  // namespace

Reason ValidateCardAdded(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  auto title = StrField(data, "title");
  if (!IsId(card_id) || !title) return "invalid_payload";
  if (m.settings.anonymous_cards && !HasSeal(a, *card_id)) return "invalid_payload";
  if (!IsCollectOrVote(m)) return "wrong_phase";
  if (FindCard(m, *card_id) != nullptr) return "duplicate_id";
  if (auto r = CheckText(*title, kMaxTitleLength, "title_too_long")) return r;
  if (m.cards.size() >= kMaxCards) return "too_many_cards";
  return std::nullopt;
}

// A card that is done was talked through; its title is part of the record and stays.
Reason ValidateCardEdited(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  auto title = StrField(data, "title");
  if (!card_id || !title) return "invalid_payload";
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr) return "no_such_card";
  if (!IsAuthorOrFacilitator(m, *card, a)) return "not_author";
  if (card->status == "done") return "wrong_phase";
  return CheckText(*title, kMaxTitleLength, "title_too_long");
}

Reason ValidateCardDeleted(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  if (!card_id) return "invalid_payload";
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr) return "no_such_card";
  if (!IsAuthorOrFacilitator(m, *card, a)) return "not_author";
  if (card->status == "discussing") return "discussion_in_progress";
  return std::nullopt;
}

Reason ValidateCardMerged(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  auto into = StrField(data, "into_card_id");
  if (!card_id || !into) return "invalid_payload";
  if (!IsCollectOrVote(m)) return "wrong_phase";
  if (*card_id == *into) return "same_card";
  const Card* from = FindCard(m, *card_id);
  const Card* to = FindCard(m, *into);
  if (from == nullptr || to == nullptr) return "no_such_card";
  if (!IsFacilitator(m, a) && (!IsAuthorOf(*from, a) || !IsAuthorOf(*to, a))) return "not_author";
  return std::nullopt;
}

Reason ValidateCardVoted(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  if (!card_id) return "invalid_payload";
  if (m.phase != "vote") return "wrong_phase";
  if (FindCard(m, *card_id) == nullptr) return "no_such_card";
  if (VotesUsed(m, a.pid) >= m.settings.votes_per_person) return "no_votes_left";
  return std::nullopt;
}

Reason ValidateVoteWithdrawn(const Meeting& m, const Actor& a, const nlohmann::json& data) {
  auto card_id = StrField(data, "card_id");
  if (!card_id) return "invalid_payload";
  if (m.phase != "vote") return "wrong_phase";
  const Card* card = FindCard(m, *card_id);
  if (card == nullptr) return "no_such_card";
  if (!card->votes.contains(a.pid)) return "no_vote_to_withdraw";
  return std::nullopt;
}

}  // namespace confab::domain
