#pragma once
// The folded state of one meeting. Plain copyable data; only domain/ code reads or writes its fields
// (other layers go through domain/meeting.hpp). ToJson (domain/meeting.hpp) is its canonical shape.
//
// Invariants kept by Apply on validated events:
//  - discussion.has_value() implies phase == "discuss" and exactly one card has status "discussing";
//  - votes_used[pid] == the sum of that pid's votes over all cards (a pid with none has no entry);
//  - cards are in creation order; card_id is unique among cards, note_id unique among all notes.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace confab::domain {

struct Participant {
  std::string name;
};

struct Note {
  std::string note_id;
  std::string text;
  std::string kind;    // "takeaway" | "action"
  std::string author;  // pid
  // Action items only (kind "action"): who owns it and when it is due ("YYYY-MM-DD"); absent = not set.
  std::optional<std::string> owner;
  std::optional<std::string> due;
};

// A card absorbed by card_merged, as the kept card remembers it (its title and author when merged).
struct MergedCard {
  std::string card_id;
  std::string title;
  std::string author;  // pid, or "anonymous" for an anonymous card
};

struct Card {
  std::string card_id;
  std::string title;
  std::string author;                                 // pid
  std::string status = "todo";                        // "todo" | "discussing" | "done" | "parked"
  std::map<std::string, int64_t, std::less<>> votes;  // pid -> votes (> 0)
  int64_t discussed_ms = 0;                           // summed over every discussion of this card
  std::vector<Note> notes;                            // in the order they were added
  // Set only on a card added while settings.anonymous_cards was on: author is then "anonymous" and the
  // seal proves authorship to whoever holds the author's seal key (docs/domain.md).
  std::optional<std::string> seal;
  // Cards merged into this one: each absorbed card, then what it had absorbed (in order). Key only when
  // non-empty.
  std::vector<MergedCard> merged;
};

struct Timer {
  int64_t seconds = 0;     // the length set by timer_started plus every extension
  int64_t started_ts = 0;  // server ms
  int64_t ends_ts = 0;     // server ms; clients count down against it
};

struct Discussion {
  std::string card_id;
  int64_t started_ts = 0;
  std::optional<Timer> timer;
  std::map<std::string, std::string, std::less<>> continue_votes;  // pid -> "up"|"sideways"|"down"
};

struct Settings {
  int64_t votes_per_person = 3;
  int64_t timebox_s = 300;
  bool anonymous_votes = false;
  bool anonymous_cards = false;  // new cards are written without their author (docs/domain.md)
  bool hide_totals = false;      // display only: vote totals hidden while voting
};

struct Meeting {
  std::string title;
  std::string phase = "collect";  // "collect" | "vote" | "discuss" | "done"
  int64_t created_ts = 0;
  Settings settings;
  std::map<std::string, Participant, std::less<>> participants;  // by pid
  std::optional<std::string> facilitator;  // the pid the role was handed to; nullopt: the token holder
  std::vector<Card> cards;
  std::optional<Discussion> discussion;
  std::map<std::string, int64_t, std::less<>> votes_used;  // derived index: pid -> votes cast
  int64_t last_seq = 0;
  int64_t last_ts = 0;
};

}  // namespace confab::domain
