// Facts about a meeting that other layers need outside validation.
#include "domain/meeting.hpp"

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

}  // namespace confab::domain
