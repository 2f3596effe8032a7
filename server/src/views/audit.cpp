#include "views/audit.hpp"

#include <algorithm>
#include <unordered_map>

#include "domain/meeting.hpp"
#include "views/csv.hpp"
#include "views/event_fields.hpp"
#include "views/text_format.hpp"
#include "views/time_text.hpp"

namespace confab::views {
namespace {

std::string Quoted(std::string_view text) {
  return "'" + OneLine(text) + "'";
}

std::string Seconds(int64_t s) {
  return FormatMinSec(s * 1000, 1);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::vector<std::string> SplitTypes(std::string_view list) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t end = list.find(',', start);
    if (end == std::string_view::npos) end = list.size();
    std::string_view t = list.substr(start, end - start);
    while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
    while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
    if (!t.empty()) out.emplace_back(t);
    start = end + 1;
  }
  return out;
}

// Folds just enough of the meeting to word each event as it read at that moment.
class Narrator {
 public:
  std::string Describe(const store::StoredEvent& ev, const nlohmann::json& parsed) {
    const nlohmann::json& d = EventData(parsed);
    const std::string& t = ev.type;
    const std::string who = OneLine(ActorName(parsed).empty() ? ev.actor_pid : ActorName(parsed));
    const std::string card_id = StrField(d, "card_id");
    std::string s;
    if (t == "meeting_created") {
      s = who + " created the meeting " + Quoted(StrField(d, "title")) + " (" +
          std::to_string(IntField(d, "votes_per_person")) + " votes per person, " +
          Seconds(IntField(d, "timebox_s")) + " per topic)";
    } else if (t == "participant_joined") {
      s = OneLine(StrField(d, "name")) + " joined";
    } else if (t == "participant_renamed") {
      s = who + " is now called " + Quoted(StrField(d, "name"));
    } else if (t == "meeting_renamed") {
      s = who + " renamed the meeting to " + Quoted(StrField(d, "title"));
    } else if (t == "settings_changed") {
      std::string parts;
      auto add = [&parts](const std::string& p) { parts += (parts.empty() ? "" : ", ") + p; };
      if (d.is_object()) {
        for (const auto& [key, value] : d.items()) {
          if (key == "votes_per_person") {
            add(std::to_string(IntField(d, key)) + " votes per person");
          } else if (key == "timebox_s") {
            add(Seconds(IntField(d, key)) + " per topic");
          } else if (key == "anonymous_votes") {
            add(std::string("anonymous votes ") + (value.is_boolean() && value.get<bool>() ? "on" : "off"));
          } else {
            add(key + " " + OneLine(value.dump()));
          }
        }
      }
      s = who + " changed the settings" + (parts.empty() ? "" : ": " + parts);
    } else if (t == "phase_changed") {
      s = who + " moved the meeting to the " + OneLine(StrField(d, "phase")) + " phase";
    } else if (t == "card_added") {
      s = who + " added " + Quoted(StrField(d, "title"));
    } else if (t == "card_edited") {
      s = who + " changed " + Card(card_id) + " to " + Quoted(StrField(d, "title"));
    } else if (t == "card_deleted") {
      s = who + " deleted " + Card(card_id);
    } else if (t == "card_merged") {
      s = who + " merged " + Card(card_id) + " into " + Card(StrField(d, "into_card_id"));
    } else if (t == "card_voted") {
      s = who + " voted for " + Card(card_id);
    } else if (t == "vote_withdrawn") {
      s = who + " withdrew a vote from " + Card(card_id);
    } else if (t == "discussion_started") {
      s = who + " started discussing " + Card(card_id);
    } else if (t == "discussion_finished") {
      const std::string outcome = StrField(d, "outcome");
      s = who + (outcome == "parked" ? " parked " : " finished discussing ") + Card(card_id);
    } else if (t == "timer_started") {
      s = who + " started a " + Seconds(IntField(d, "seconds")) + " timer";
    } else if (t == "timer_extended") {
      s = who + " extended the timer by " + Seconds(IntField(d, "seconds"));
    } else if (t == "continue_voted") {
      const std::string vote = StrField(d, "vote");
      const std::string topic = discussing_.empty() ? "the topic" : Card(discussing_);
      if (vote == "up") {
        s = who + " voted to keep discussing " + topic;
      } else if (vote == "down") {
        s = who + " voted to move on from " + topic;
      } else {
        s = who + " voted " + OneLine(vote) + " on continuing " + topic;
      }
    } else if (t == "note_added") {
      const bool action = StrField(d, "kind") == "action";
      s = who + " added " + (action ? "an action item" : "a takeaway") + " to " + Card(card_id) + ": " +
          Quoted(StrField(d, "text"));
    } else if (t == "note_deleted") {
      auto it = note_kinds_.find(StrField(d, "note_id"));
      const bool action = it != note_kinds_.end() && it->second == "action";
      s = who + " deleted " + (action ? "an action item" : "a takeaway") + " from " + Card(card_id);
    } else if (t == "reaction") {
      s = who + " reacted " + OneLine(StrField(d, "emoji"));
      if (HasStrField(d, "card_id")) {
        s += " on " + Card(card_id);
      } else if (!discussing_.empty()) {
        s += " while discussing " + Card(discussing_);
      }
    } else {
      s = who + ": " + OneLine(t);  // a type newer than this code
    }
    Fold(ev.type, d);
    return s;
  }

 private:
  std::string Card(const std::string& card_id) const {
    auto it = titles_.find(card_id);
    return it == titles_.end() ? "card " + Quoted(card_id) : Quoted(it->second);
  }

  void Fold(const std::string& t, const nlohmann::json& d) {
    if (t == "card_added" || t == "card_edited") {
      titles_[StrField(d, "card_id")] = StrField(d, "title");
    } else if (t == "discussion_started") {
      discussing_ = StrField(d, "card_id");
    } else if (t == "discussion_finished" || (t == "phase_changed" && StrField(d, "phase") != "discuss")) {
      discussing_.clear();
    } else if (t == "note_added") {
      note_kinds_[StrField(d, "note_id")] = StrField(d, "kind");
    }
    // Deleted and merged cards keep their title: later events may still name them.
  }

  std::unordered_map<std::string, std::string> titles_;      // card_id -> title at this point
  std::unordered_map<std::string, std::string> note_kinds_;  // note_id -> kind
  std::string discussing_;                                   // card_id under discussion, "" none
};

}  // namespace

Status BuildAudit(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                  std::vector<AuditRow>* out) {
  const std::vector<std::string> types = SplitTypes(filter.type);
  for (const std::string& t : types) {
    if (domain::FindEventType(t) == nullptr) return Status::Invalid("unknown event type: " + t);
  }
  store::MeetingRecord record;
  if (Status s = store.GetMeeting(meeting_id, &record); !s.ok()) return s;

  out->clear();
  Narrator narrator;
  return store.ScanEvents(meeting_id, 0, [&](const store::StoredEvent& ev) {
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) parsed = nlohmann::json::object();  // still listed: the audit hides nothing
    AuditRow row{.seq = ev.seq,
                 .ts = ev.ts,
                 .actor_pid = ev.actor_pid,
                 .actor = ActorName(parsed),
                 .type = ev.type,
                 .summary = narrator.Describe(ev, parsed)};
    const bool type_ok = types.empty() || std::find(types.begin(), types.end(), row.type) != types.end();
    const bool actor_ok =
        filter.actor.empty() || row.actor_pid == filter.actor || EqualsIgnoreCase(row.actor, filter.actor);
    if (type_ok && actor_ok) out->push_back(std::move(row));
    return true;
  });
}

nlohmann::json AuditRowsJson(std::string_view meeting_id, const std::vector<AuditRow>& rows) {
  nlohmann::json events = nlohmann::json::array();
  for (const AuditRow& r : rows) {
    events.push_back({{"seq", r.seq},
                      {"ts", FormatIsoMs(r.ts)},
                      {"ts_ms", r.ts},
                      {"actor_pid", r.actor_pid},
                      {"actor", r.actor},
                      {"type", r.type},
                      {"summary", r.summary}});
  }
  return {{"meeting_id", meeting_id}, {"count", rows.size()}, {"events", std::move(events)}};
}

std::string AuditRowsCsv(const std::vector<AuditRow>& rows) {
  std::string out(kUtf8Bom);
  AppendCsvRecord({"seq", "ts", "actor_pid", "actor", "type", "summary"}, &out);
  for (const AuditRow& r : rows) {
    AppendCsvRecord({std::to_string(r.seq), FormatIsoMs(r.ts), r.actor_pid, r.actor, r.type, r.summary},
                    &out);
  }
  return out;
}

}  // namespace confab::views
