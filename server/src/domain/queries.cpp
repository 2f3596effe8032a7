// Facts about a meeting that other layers need outside validation.
#include "domain/meeting.hpp"
#include "domain/rules.hpp"

namespace confab::domain {

bool HasParticipant(const Meeting& m, std::string_view pid) {
  return m.participants.contains(pid);
}

std::string ParticipantName(const Meeting& m, std::string_view pid) {
  auto it = m.participants.find(pid);
  return it == m.participants.end() ? std::string() : it->second.name;
}

std::string Title(const Meeting& m) {
  return m.title;
}
std::string Phase(const Meeting& m) {
  return m.phase;
}

int64_t VotesUsed(const Meeting& m, std::string_view pid) {
  auto it = m.votes_used.find(pid);
  return it == m.votes_used.end() ? 0 : it->second;
}

std::optional<std::string> HandedFacilitator(const Meeting& m) {
  return m.facilitator;
}

std::map<std::string, std::string, std::less<>> AnonymousSeals(const Meeting& m) {
  std::map<std::string, std::string, std::less<>> out;
  for (const Card& c : m.cards) {
    if (c.seal) out.emplace(c.card_id, *c.seal);
  }
  return out;
}

int64_t VotesPerPerson(const Meeting& m) {
  return m.settings.votes_per_person;
}
int64_t LastSeq(const Meeting& m) {
  return m.last_seq;
}
int64_t CreatedTs(const Meeting& m) {
  return m.created_ts;
}

std::optional<CardFacts> CardOnBoard(const Meeting& m, std::string_view card_id) {
  const Card* c = FindCard(m, card_id);
  if (c == nullptr) return std::nullopt;
  int64_t votes = 0;
  for (const auto& [pid, n] : c->votes) votes += n;
  return CardFacts{c->title, c->author, c->status, votes, c->discussed_ms, c->notes};
}

std::optional<DiscussionFacts> RunningDiscussion(const Meeting& m) {
  if (!m.discussion) return std::nullopt;
  return DiscussionFacts{m.discussion->card_id, m.discussion->started_ts};
}

std::optional<std::string_view> ContinueVoteOf(const Meeting& m, std::string_view pid) {
  if (!m.discussion) return std::nullopt;
  auto it = m.discussion->continue_votes.find(pid);
  if (it == m.discussion->continue_votes.end()) return std::nullopt;
  return std::string_view(it->second);
}

}  // namespace confab::domain
