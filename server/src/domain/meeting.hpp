#pragma once
// The meeting domain: the event catalogue, who may do what, and the fold of events into state.
// Pure: no I/O, no clocks, no sockets; the same rules as web/src/domain, proven equal by
// conformance/. Not thread-safe: a Meeting is owned by one Room (one strand).
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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
  Role role = Role::kParticipant;  // the channel role: kFacilitator when joined with the facilitator token
  // The seals this actor can prove, by card id (anonymous cards, docs/domain.md): the server derives them
  // from the participant's seal key for the card ids a push names (data.card_id, data.into_card_id).
  std::map<std::string, std::string, std::less<>> seals = {};
};

// The pid and name written as the actor of an anonymous card's events.
inline constexpr std::string_view kAnonymousPid = "anonymous";
inline constexpr std::string_view kAnonymousName = "Anonymous";

// Who may push an event type (CONTRACT §2 "who").
enum class Who {
  kAny,          // any joined participant
  kFacilitator,  // the facilitator only
  kAuthor,       // the author of the card (or note) concerned, or the facilitator
  kSelf,         // about the actor itself (participant_renamed)
  kServer,       // written by the server, never pushed by a client
};

struct EventSpec {
  std::string_view type;
  ReplayClass replay;
  bool server_only;  // written by the server itself (meeting_created, participant_joined)
  Who who = Who::kAny;
};

// The catalogue entry of `type`, nullptr when the type is unknown.
const EventSpec* FindEventType(std::string_view type);

// Every catalogue entry, in CONTRACT §2 order.
const std::vector<EventSpec>& Catalogue();

// The sentiment score of a reaction emoji of the fixed set (+1, 0, −1), nullopt outside the set.
std::optional<int> EmojiSentiment(std::string_view emoji);
// The fixed reaction set of CONTRACT §2 in contract order, each with its sentiment score: the one table
// behind EmojiSentiment, the reaction rule (Validate) and the views' sentiment.
std::span<const std::pair<std::string_view, int>> ReactionEmoji();

// Limits of CONTRACT §2 and issue 3; lengths count Unicode code points, not bytes.
inline constexpr size_t kMaxCards = 500;
inline constexpr size_t kMaxTitleLength = 140;  // meeting and card titles
inline constexpr size_t kMaxNoteLength = 500;
inline constexpr size_t kMaxNameLength = 40;
inline constexpr size_t kMaxIdLength = 64;  // card_id, note_id
inline constexpr int64_t kMinVotesPerPerson = 1, kMaxVotesPerPerson = 20;
inline constexpr int64_t kMinTimeboxS = 30, kMaxTimeboxS = 3600;
inline constexpr int64_t kMinTimerS = 10, kMaxTimerS = 3600;

// Meeting (domain/state.hpp) is the folded state: a copyable value, default-constructed empty.
// Its fields are the domain's business; other layers use the functions below.

// Checks whether `actor` may push an event of `type` with `data` now. Returns the CONTRACT §2
// reason code ("no_votes_left", …) or std::nullopt when the event is allowed. Server-only types
// (meeting_created, participant_joined) are "unknown_type" here: clients cannot push them. The order
// in which rules are checked (so which reason wins) is fixed in docs/domain.md.
std::optional<std::string> Validate(const Meeting& m, const Actor& actor, std::string_view type,
                                    const nlohmann::json& data);

// What the server writes for an accepted push: the stored event's actor ({pid, name}) and data.
struct Stored {
  nlohmann::json actor;
  nlohmann::json data;
};

// The actor and data of the stored event for a push Validate accepted (docs/domain.md, "Anonymous
// cards"): a card added while settings.anonymous_cards is on is written with actor "anonymous" and the
// card's seal (actor.seals[card_id]) in data; an edit, delete or merge of an anonymous card whose seal
// the actor proves, and typing while anonymous_cards is on or about an anonymous card, are written as
// "anonymous" too. Everything else is written as pushed, with actor {pid, name}.
Stored ToStore(const Meeting& m, const Actor& actor, std::string_view type, const nlohmann::json& data);

// Folds one stored event (the full object: seq, id, type, actor, ts, data) into `m`.
// Never fails and never throws: events reaching Apply were validated when first written; one that
// does not fit (malformed, unknown card …) changes nothing but last_seq/last_ts. Timers use the
// event's ts only (no clocks), so a fold is deterministic.
void Apply(Meeting& m, const nlohmann::json& event);

// The canonical state as JSON (conformance cases, GET /state, the meeting summary).
nlohmann::json ToJson(const Meeting& m);
// The inverse of ToJson, for snapshots: Apply on a state restored from ToJson(m) gives exactly what
// Apply on m gives, for any event. std::nullopt when `j` is not a canonical state.
std::optional<Meeting> FromJson(const nlohmann::json& j);

// Facts the server needs outside validation.
// The effective facilitator rule: when the role was handed over (facilitator_changed) it is that pid,
// else whoever joined with the facilitator token (actor.role).
bool IsFacilitator(const Meeting& m, const Actor& actor);
// The pid the facilitator role was handed to, nullopt while nobody was (then the token holder is).
std::optional<std::string> HandedFacilitator(const Meeting& m);
// card_id -> seal of every anonymous card (the server answers a join with those the joiner proves).
std::map<std::string, std::string, std::less<>> AnonymousSeals(const Meeting& m);
bool HasParticipant(const Meeting& m, std::string_view pid);
std::string ParticipantName(const Meeting& m, std::string_view pid);
std::string Title(const Meeting& m);
std::string Phase(const Meeting& m);
// Votes `pid` has cast and not withdrawn, over all cards.
int64_t VotesUsed(const Meeting& m, std::string_view pid);
// The meeting's settings.votes_per_person.
int64_t VotesPerPerson(const Meeting& m);
// The seq of the last folded event (0 before any).
int64_t LastSeq(const Meeting& m);
// The ts of meeting_created (0 before it).
int64_t CreatedTs(const Meeting& m);

// What the views read to derive their analytics from Apply's transitions (docs/views.md § How the views
// derive from the domain): a card on the board now, the discussion running now. Facts, not rules: the
// views compare them before and after each Apply. The string views and the span point into `m`, valid
// until `m` next changes.
struct CardFacts {
  std::string_view title;
  std::string_view author;      // pid, or kAnonymousPid
  std::string_view status;      // "todo" | "discussing" | "done" | "parked"
  int64_t votes = 0;            // everyone's, on this card (votes of cards merged into it included)
  int64_t discussed_ms = 0;     // finished discussions of it and of the cards merged into it
  std::span<const Note> notes;  // in the order they were added (those of merged cards included)
};
// The card `card_id` on the board, nullopt when there is none (never added, deleted, merged away).
std::optional<CardFacts> CardOnBoard(const Meeting& m, std::string_view card_id);
struct DiscussionFacts {
  std::string_view card_id;
  int64_t started_ts = 0;
};
// The discussion running now, nullopt when none.
std::optional<DiscussionFacts> RunningDiscussion(const Meeting& m);
// The continue vote ("up" | "sideways" | "down") `pid` holds in the running discussion, nullopt when none.
std::optional<std::string_view> ContinueVoteOf(const Meeting& m, std::string_view pid);

}  // namespace confab::domain
