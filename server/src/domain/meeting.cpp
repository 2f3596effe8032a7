// Placeholder fold (envelope checks only) until the full catalogue lands; replaced by the domain work.
#include "domain/meeting.hpp"

#include <array>

namespace confab::domain {
namespace {
constexpr std::array<EventSpec, 21> kCatalogue{{
    {"meeting_created", ReplayClass::kState, true},    {"participant_joined", ReplayClass::kState, true},
    {"participant_renamed", ReplayClass::kState, false}, {"meeting_renamed", ReplayClass::kState, false},
    {"settings_changed", ReplayClass::kState, false},  {"phase_changed", ReplayClass::kState, false},
    {"card_added", ReplayClass::kState, false},        {"card_edited", ReplayClass::kState, false},
    {"card_deleted", ReplayClass::kState, false},      {"card_merged", ReplayClass::kState, false},
    {"card_voted", ReplayClass::kState, false},        {"vote_withdrawn", ReplayClass::kState, false},
    {"discussion_started", ReplayClass::kState, false}, {"discussion_finished", ReplayClass::kState, false},
    {"timer_started", ReplayClass::kState, false},     {"timer_extended", ReplayClass::kState, false},
    {"continue_voted", ReplayClass::kState, false},    {"note_added", ReplayClass::kState, false},
    {"note_deleted", ReplayClass::kState, false},      {"reaction", ReplayClass::kMoment, false},
    {"typing", ReplayClass::kTransient, false},
}};
}  // namespace

const EventSpec* FindEventType(std::string_view type) {
  for (const auto& spec : kCatalogue) {
    if (spec.type == type) return &spec;
  }
  return nullptr;
}

std::optional<std::string> Validate(const Meeting&, const Actor&, std::string_view type,
                                    const nlohmann::json& data) {
  const EventSpec* spec = FindEventType(type);
  if (spec == nullptr || spec->server_only) return "unknown_type";
  if (!data.is_object()) return "invalid_payload";
  return std::nullopt;
}

void Apply(Meeting& m, const nlohmann::json& event) {
  const auto& type = event.at("type").get_ref<const std::string&>();
  const auto& data = event.at("data");
  if (type == "meeting_created") {
    m.title = data.value("title", "");
  } else if (type == "participant_joined") {
    m.participants[event.at("actor").at("pid").get<std::string>()].name = data.value("name", "");
  }
}

nlohmann::json ToJson(const Meeting& m) { return {{"title", m.title}, {"phase", m.phase}}; }
bool HasParticipant(const Meeting& m, std::string_view pid) { return m.participants.contains(pid); }
std::string ParticipantName(const Meeting& m, std::string_view pid) {
  auto it = m.participants.find(pid);
  return it == m.participants.end() ? std::string() : it->second.name;
}
std::string Title(const Meeting& m) { return m.title; }
std::string Phase(const Meeting& m) { return m.phase; }

}  // namespace confab::domain
