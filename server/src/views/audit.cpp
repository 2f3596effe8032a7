#include "views/audit.hpp"

#include <algorithm>
#include <iterator>
#include <unordered_map>

#include "domain/meeting.hpp"
#include "views/csv.hpp"
#include "views/event_fields.hpp"
#include "views/event_labels.hpp"
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

// Who did it: the actor's name as written, "Anonymous" for anonymous cards' actor whatever the row says.
std::string ActorOf(const store::StoredEvent& ev, const nlohmann::json& parsed) {
  if (ev.actor_pid == "anonymous") return "Anonymous";
  const std::string name = ActorName(parsed);
  return name.empty() ? ev.actor_pid : name;
}

// Folds just enough of the meeting to word each event as it read at that moment.
class Narrator {
 public:
  std::string Describe(const store::StoredEvent& ev, const nlohmann::json& parsed) {
    const nlohmann::json& d = EventData(parsed);
    const std::string& t = ev.type;
    const std::string who = OneLine(ActorOf(ev, parsed));
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
          } else if (key == "anonymous_cards") {
            add(std::string("anonymous cards ") + (value.is_boolean() && value.get<bool>() ? "on" : "off"));
          } else if (key == "hide_totals") {
            add(std::string("vote totals ") +
                (value.is_boolean() && value.get<bool>() ? "hidden while voting" : "shown while voting"));
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
      if (HasStrField(d, "owner")) s += " for " + Name(StrField(d, "owner"));
      if (HasStrField(d, "due")) s += ", due " + OneLine(StrField(d, "due"));
    } else if (t == "action_updated") {
      auto it = note_texts_.find(StrField(d, "note_id"));
      const std::string item =
          it == note_texts_.end() ? "an action item" : "the action item " + Quoted(it->second);
      std::string parts;
      auto add = [&parts](const std::string& p) { parts += (parts.empty() ? "" : " and ") + p; };
      const nlohmann::json& owner = Field(d, "owner");
      if (owner.is_string()) add("gave " + item + " to " + Name(owner.get<std::string>()));
      if (owner.is_null() && d.is_object() && d.contains("owner")) add("took the owner off " + item);
      const nlohmann::json& due = Field(d, "due");
      const std::string which = parts.empty() ? item : "it";
      if (due.is_string()) add("set " + which + " due " + OneLine(due.get<std::string>()));
      if (due.is_null() && d.is_object() && d.contains("due")) add("took the due date off " + which);
      s = who + " " + (parts.empty() ? "updated " + item : parts) + " on " + Card(card_id);
    } else if (t == "facilitator_changed") {
      const std::string pid = StrField(d, "pid");
      // Taking the role back (a token holder) reads differently from handing it on.
      s = pid == ev.actor_pid ? who + " took the facilitator role"
                              : who + " handed the facilitator role to " + Name(pid);
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
    Fold(ev, parsed);
    return s;
  }

  // The label of a row: the type in words, "Parked" for a parked topic (docs/views.md § Audit).
  static std::string Label(const std::string& type, const nlohmann::json& d) {
    if (type == "discussion_finished" && StrField(d, "outcome") == "parked") return "Parked";
    return EventTypeLabel(type);
  }

 private:
  std::string Name(const std::string& pid) const {
    auto it = names_.find(pid);
    return OneLine(it == names_.end() ? pid : it->second);
  }

  std::string Card(const std::string& card_id) const {
    auto it = titles_.find(card_id);
    return it == titles_.end() ? "card " + Quoted(card_id) : Quoted(it->second);
  }

  void Fold(const store::StoredEvent& ev, const nlohmann::json& parsed) {
    const std::string& t = ev.type;
    const nlohmann::json& d = EventData(parsed);
    if (t == "participant_joined" || t == "participant_renamed") {
      names_[ev.actor_pid] = StrField(d, "name");
    } else if (!ev.actor_pid.empty() && !ActorName(parsed).empty() && !names_.contains(ev.actor_pid)) {
      names_[ev.actor_pid] = ActorName(parsed);
    }
    if (t == "card_added" || t == "card_edited") {
      titles_[StrField(d, "card_id")] = StrField(d, "title");
    } else if (t == "discussion_started") {
      discussing_ = StrField(d, "card_id");
    } else if (t == "discussion_finished" || (t == "phase_changed" && StrField(d, "phase") != "discuss")) {
      discussing_.clear();
    } else if (t == "note_added") {
      note_kinds_[StrField(d, "note_id")] = StrField(d, "kind");
      note_texts_[StrField(d, "note_id")] = StrField(d, "text");
    }
    // Deleted and merged cards keep their title: later events may still name them.
  }

  std::unordered_map<std::string, std::string> titles_;      // card_id -> title at this point
  std::unordered_map<std::string, std::string> note_kinds_;  // note_id -> kind
  std::unordered_map<std::string, std::string> note_texts_;  // note_id -> text
  std::unordered_map<std::string, std::string> names_;       // pid -> name at this point
  std::string discussing_;                                   // card_id under discussion, "" none
};

}  // namespace

struct AuditReader::Impl {
  Impl(store::Store& s, std::string_view id, const AuditFilter& f, std::vector<std::string> t, int64_t h)
      : store(s), meeting_id(id), filter(f), types(std::move(t)), head(h) {}

  store::Store& store;
  std::string meeting_id;
  AuditFilter filter;
  std::vector<std::string> types;  // filter.type split
  int64_t head = 0;                // the last seq read: the head when opened
  int64_t after = 0;               // the last seq read so far
  Narrator narrator;
  std::vector<store::StoredEvent> page;  // reused between pages
};

AuditReader::AuditReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
AuditReader::~AuditReader() = default;

Status AuditReader::Open(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                         std::unique_ptr<AuditReader>* out) {
  std::vector<std::string> types = SplitTypes(filter.type);
  for (const std::string& t : types) {
    if (domain::FindEventType(t) == nullptr) return Status::Invalid("unknown event type: " + t);
  }
  int64_t head = 0;
  if (Status s = store.HeadSeq(meeting_id, &head); !s.ok()) return s;
  auto impl = std::make_unique<Impl>(store, meeting_id, filter, std::move(types), head);
  out->reset(new AuditReader(std::move(impl)));
  return Status::Ok();
}

Status AuditReader::Next(size_t page_events, std::vector<AuditRow>* rows, bool* end) {
  Impl& r = *impl_;
  rows->clear();
  *end = r.after >= r.head;
  if (*end) return Status::Ok();
  const size_t limit =
      static_cast<size_t>(std::min<int64_t>(std::max<size_t>(1, page_events), r.head - r.after));
  if (Status s = r.store.ReadEvents(r.meeting_id, r.after, limit, /*replayed_only=*/false, &r.page); !s.ok())
    return s;
  for (const store::StoredEvent& ev : r.page) {
    if (ev.seq > r.head) break;
    r.after = ev.seq;
    nlohmann::json parsed = nlohmann::json::parse(ev.json, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_discarded()) parsed = nlohmann::json::object();  // still listed: the audit hides nothing
    AuditRow row{.seq = ev.seq,
                 .ts = ev.ts,
                 .actor_pid = ev.actor_pid,
                 .actor = ev.actor_pid == "anonymous" ? "Anonymous" : ActorName(parsed),
                 .type = ev.type,
                 .label = Narrator::Label(ev.type, EventData(parsed)),
                 .summary = r.narrator.Describe(ev, parsed)};
    const bool type_ok =
        r.types.empty() || std::find(r.types.begin(), r.types.end(), row.type) != r.types.end();
    const bool actor_ok = r.filter.actor.empty() || row.actor_pid == r.filter.actor ||
                          EqualsIgnoreCase(row.actor, r.filter.actor);
    if (type_ok && actor_ok) rows->push_back(std::move(row));
  }
  // A short page is the end of the log (it may hold gaps, never more than the head).
  *end = r.after >= r.head || r.page.size() < limit;
  return Status::Ok();
}

Status BuildAudit(store::Store& store, std::string_view meeting_id, const AuditFilter& filter,
                  std::vector<AuditRow>* out) {
  std::unique_ptr<AuditReader> reader;
  if (Status s = AuditReader::Open(store, meeting_id, filter, &reader); !s.ok()) return s;
  out->clear();
  std::vector<AuditRow> rows;
  for (bool end = false; !end;) {
    if (Status s = reader->Next(500, &rows, &end); !s.ok()) return s;
    std::move(rows.begin(), rows.end(), std::back_inserter(*out));
  }
  return Status::Ok();
}

nlohmann::json AuditRowJson(const AuditRow& r) {
  return {{"seq", r.seq},     {"ts", FormatIsoMs(r.ts)}, {"ts_ms", r.ts},    {"actor_pid", r.actor_pid},
          {"actor", r.actor}, {"type", r.type},          {"label", r.label}, {"summary", r.summary}};
}

void AppendAuditCsvHeader(std::string* out) {
  AppendCsvRecord({"seq", "ts", "actor_pid", "actor", "type", "summary"}, out);
}

void AppendAuditCsvRecord(const AuditRow& r, std::string* out) {
  AppendCsvRecord({std::to_string(r.seq), FormatIsoMs(r.ts), r.actor_pid, r.actor, r.type, r.summary}, out);
}

nlohmann::json AuditRowsJson(std::string_view meeting_id, const std::vector<AuditRow>& rows) {
  nlohmann::json events = nlohmann::json::array();
  for (const AuditRow& r : rows) events.push_back(AuditRowJson(r));
  return {{"meeting_id", meeting_id}, {"count", rows.size()}, {"events", std::move(events)}};
}

std::string AuditRowsCsv(const std::vector<AuditRow>& rows) {
  std::string out(kUtf8Bom);
  AppendAuditCsvHeader(&out);
  for (const AuditRow& r : rows) AppendAuditCsvRecord(r, &out);
  return out;
}

}  // namespace confab::views
