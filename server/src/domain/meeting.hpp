#pragma once
// The meeting domain: the event catalogue, who may do what, and the fold of events into state.
// Pure: no I/O, no clocks, no sockets; the same rules as web/src/domain, proven equal by
// conformance/. Not thread-safe: a Meeting is owned by one Room (one strand).
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "domain/state.hpp"

namespace confab::domain {

// How an event type lives in the log (ARCHITECTURE §3).
enum class ReplayClass {
  kState,      // durable and replayed to joiners
  kMoment,     // durable for views, not replayed on join (reactions)
  kTransient,  // broadcast only, never stored, no seq (typing)
};

enum class Role { kParticipant, kFacilitator };

struct Actor {
  std::string pid;
  std::string name;
  Role role = Role::kParticipant;
};

struct EventSpec {
  std::string_view type;
  ReplayClass replay;
  bool server_only;  // written by the server itself (meeting_created, participant_joined)
};

// The catalogue entry of `type`, nullptr when the type is unknown.
const EventSpec* FindEventType(std::string_view type);

// Meeting (domain/state.hpp) is the folded state: a copyable value, default-constructed empty.
// Its fields are the domain's business; other layers use the functions below.

// Checks whether `actor` may push an event of `type` with `data` now. Returns the CONTRACT §2
// reason code ("no_votes_left", …) or std::nullopt when the event is allowed.
std::optional<std::string> Validate(const Meeting& m, const Actor& actor, std::string_view type,
                                    const nlohmann::json& data);

// Folds one stored event (the full object: seq, id, type, actor, ts, data) into `m`.
// Never fails: events reaching Apply were validated when first written.
void Apply(Meeting& m, const nlohmann::json& event);

// The canonical state as JSON (conformance cases, GET /state, the meeting summary).
nlohmann::json ToJson(const Meeting& m);

// Facts the server needs outside validation.
bool HasParticipant(const Meeting& m, std::string_view pid);
std::string ParticipantName(const Meeting& m, std::string_view pid);
std::string Title(const Meeting& m);
std::string Phase(const Meeting& m);

}  // namespace confab::domain
