#include "cli/log_commands.hpp"

#include <future>
#include <istream>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

#include "domain/meeting.hpp"
#include "util/crypto.hpp"
#include "views/state_at.hpp"
#include "views/streams.hpp"

namespace confab::cli {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 1;
constexpr int kExitStoreFailed = 2;

// Meeting ids name URLs (/m/ID) and topics (meeting:ID): keep them to URL-safe characters.
bool ValidMeetingId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Checks one export line; returns the problem, or "" when `e` is a well-formed stored event
// with seq `expected_seq`. Fills `ev`'s columns from it.
std::string ValidateLine(const json& e, int64_t expected_seq, store::StoredEvent* ev) {
  static const std::set<std::string> kFields = {"seq", "id", "type", "actor", "ts", "data"};
  if (!e.is_object()) return "not a JSON object";
  for (const auto& [key, value] : e.items()) {
    if (!kFields.count(key)) return "unknown field \"" + key + "\"";
  }
  for (const auto& key : kFields) {
    if (!e.contains(key)) return "missing field \"" + key + "\"";
  }
  if (!e["seq"].is_number_integer()) return "seq is not an integer";
  ev->seq = e["seq"].get<int64_t>();
  if (ev->seq != expected_seq) {
    return "seq " + std::to_string(ev->seq) + " where " + std::to_string(expected_seq) +
           " was expected (seqs must be contiguous from 1)";
  }
  if (!e["id"].is_string() || e["id"].get_ref<const std::string&>().empty())
    return "id is not a non-empty string";
  ev->id = e["id"].get<std::string>();
  if (!e["type"].is_string()) return "type is not a string";
  ev->type = e["type"].get<std::string>();
  const domain::EventSpec* spec = domain::FindEventType(ev->type);
  if (spec == nullptr) return "unknown event type \"" + ev->type + "\"";
  if (spec->replay == domain::ReplayClass::kTransient)
    return "event type \"" + ev->type + "\" is never stored";
  if (expected_seq == 1 && ev->type != "meeting_created") return "the first event must be meeting_created";
  ev->replayed = spec->replay == domain::ReplayClass::kState;
  const json& actor = e["actor"];
  if (!actor.is_object()) return "actor is not an object";
  for (const auto& [key, value] : actor.items()) {
    if (key != "pid" && key != "name") return "unknown field \"actor." + key + "\"";
  }
  if (!actor.contains("pid") || !actor["pid"].is_string()) return "actor.pid is not a string";
  if (!actor.contains("name") || !actor["name"].is_string()) return "actor.name is not a string";
  ev->actor_pid = actor["pid"].get<std::string>();
  if (!e["ts"].is_number_integer() || e["ts"].get<int64_t>() < 0) return "ts is not a non-negative integer";
  ev->ts = e["ts"].get<int64_t>();
  if (!e["data"].is_object()) return "data is not an object";
  return "";
}

Status AppendAndWait(store::Store& store, store::AppendRequest req) {
  std::promise<Status> done;
  auto result = done.get_future();
  store.Append(std::move(req), [&done](Status s) { done.set_value(std::move(s)); });
  return result.get();
}

// Compares a column with the same field of the stored JSON; "" when they agree.
std::string Mismatch(const json& doc, const char* field, const json& column) {
  if (!doc.contains(field)) return std::string("json has no \"") + field + "\"";
  if (doc[field] != column) {
    return std::string("json ") + field + " " + doc[field].dump() + " differs from column " + column.dump();
  }
  return "";
}

}  // namespace

int ExportMeeting(store::Store& store, std::string_view meeting_id, std::ostream& out, std::ostream& err) {
  std::unique_ptr<ChunkSource> source;
  if (Status s = views::OpenEventsNdjson(store, meeting_id, 0, &source); !s.ok()) {
    if (s.code() == Status::Code::kNotFound) {
      err << "confab export: no such meeting: " << meeting_id << "\n";
      return kExitBadInput;
    }
    err << "confab export: " << s.ToString() << "\n";
    return kExitStoreFailed;
  }
  std::string chunk;
  for (bool last = false; !last;) {
    if (Status s = source->Next(&chunk, &last); !s.ok()) {
      err << "confab export: " << s.ToString() << "\n";
      return kExitStoreFailed;
    }
    // Flushed per chunk: a pipe reader sees progress, and memory holds one chunk, not the log.
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    out.flush();
    if (!out) {
      err << "confab export: write failed\n";
      return kExitStoreFailed;
    }
  }
  return kExitOk;
}

int ImportMeeting(store::Store& store, std::istream& in, std::optional<std::string> meeting_id,
                  std::ostream& out, std::ostream& err) {
  if (meeting_id && !ValidMeetingId(*meeting_id)) {
    err << "confab import: invalid meeting id \"" << *meeting_id << "\" (1-64 of A-Z a-z 0-9 - _)\n";
    return kExitBadInput;
  }
  const std::string id = meeting_id ? *meeting_id : RandomHex(16);

  store::MeetingRecord existing;
  if (Status s = store.GetMeeting(id, &existing); s.ok()) {
    err << "confab import: meeting " << id << " already exists\n";
    return kExitBadInput;
  } else if (s.code() != Status::Code::kNotFound) {
    err << "confab import: " << s.ToString() << "\n";
    return kExitStoreFailed;
  }

  // Validate everything before writing anything: an import is all or nothing.
  store::AppendRequest req;
  req.meeting_id = id;
  std::unordered_set<std::string> ids;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    std::string_view text = TrimRight(line);
    if (text.find_first_not_of(" \t") == std::string_view::npos) continue;  // blank lines are harmless
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) {
      err << "confab import: line " << line_no << ": not valid JSON\n";
      return kExitBadInput;
    }
    store::StoredEvent ev;
    std::string problem = ValidateLine(doc, static_cast<int64_t>(req.events.size()) + 1, &ev);
    if (problem.empty() && !ids.insert(ev.id).second) problem = "duplicate event id \"" + ev.id + "\"";
    if (!problem.empty()) {
      err << "confab import: line " << line_no << ": " << problem << "\n";
      return kExitBadInput;
    }
    ev.meeting_id = id;
    ev.json = std::string(text);  // byte for byte: export → import → export round-trips exactly
    req.events.push_back(std::move(ev));
  }
  if (in.bad()) {
    err << "confab import: read failed after line " << line_no << "\n";
    return kExitBadInput;
  }
  if (req.events.empty()) {
    err << "confab import: no events in input\n";
    return kExitBadInput;
  }

  const std::string token = RandomHex(16);
  req.create = store::MeetingRecord{id, HashSecret(token), req.events.front().ts};
  const size_t count = req.events.size();
  if (Status s = AppendAndWait(store, std::move(req)); !s.ok()) {
    err << "confab import: " << s.ToString() << "\n";
    return s.code() == Status::Code::kConflict ? kExitBadInput : kExitStoreFailed;
  }
  // Snapshots as rooms would have written them, so the meeting opens (and answers /state) from them.
  int64_t snapshots = 0;
  if (Status s = views::BuildSnapshots(store, id, &snapshots); !s.ok()) {
    err << "confab import: events stored, but writing snapshots failed: " << s.ToString() << "\n";
  }
  out << json{{"id", id}, {"facilitator_token", token}, {"events", count}, {"snapshots", snapshots}}.dump()
      << "\n";
  return kExitOk;
}

int CheckStore(store::Store& store, std::ostream& out, std::ostream& err) {
  std::vector<store::MeetingRecord> meetings;
  if (Status s = store.ListMeetings(&meetings); !s.ok()) {
    err << "confab check: " << s.ToString() << "\n";
    return kExitStoreFailed;
  }
  std::unordered_set<std::string> known;
  for (const auto& m : meetings) known.insert(m.id);

  uint64_t events = 0, problems = 0;
  std::string current;
  int64_t expected = 1;
  auto report = [&](const std::string& where, const std::string& what) {
    ++problems;
    out << "meeting " << where << ": " << what << "\n";
  };
  Status s = store.ScanAll([&](const store::StoredEvent& e) {
    ++events;
    if (events == 1 || e.meeting_id != current) {
      current = e.meeting_id;
      expected = 1;
      if (!known.count(current)) report(current, "has events but no meetings row");
    }
    const std::string where = e.meeting_id + " seq " + std::to_string(e.seq);
    if (e.seq != expected && e.seq != expected - 1) {
      // (expected - 1 is a seq stored twice: reported with the duplicate keys below.)
      // A gap means lost events: every later fold of this meeting is wrong from here on.
      report(where, "expected seq " + std::to_string(expected) + " (gap or bad start)");
    }
    expected = e.seq + 1;
    json doc = json::parse(e.json, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded() || !doc.is_object()) {
      report(where, "stored json is not a JSON object");
      return true;
    }
    for (std::string m :
         {Mismatch(doc, "seq", e.seq), Mismatch(doc, "id", e.id), Mismatch(doc, "type", e.type)}) {
      if (!m.empty()) report(where, m);
    }
    // An event without an actor (none in the v1 catalogue) is stored with actor_pid "".
    json pid = "";
    if (doc.contains("actor") && doc["actor"].is_object()) pid = doc["actor"].value("pid", json());
    if (pid != json(e.actor_pid)) {
      report(where, "json actor.pid " + pid.dump() + " differs from column " + json(e.actor_pid).dump());
    }
    return true;
  });
  if (!s.ok()) {
    err << "confab check: " << s.ToString() << "\n";
    return kExitStoreFailed;
  }
  // Asked of the table itself: a second row at a key can hide from the scan above behind an index.
  std::vector<store::DuplicateKey> dups;
  if (s = store.FindDuplicateKeys(&dups); !s.ok()) {
    err << "confab check: " << s.ToString() << "\n";
    return kExitStoreFailed;
  }
  for (const store::DuplicateKey& d : dups) {
    report(d.meeting_id, (d.column == "seq" ? "seq " + d.value : "event id " + json(d.value).dump()) +
                             " is stored " + std::to_string(d.rows) + " times");
  }
  out << "checked " << meetings.size() << " meetings, " << events << " events: " << problems
      << (problems == 1 ? " problem" : " problems") << "\n";
  return problems == 0 ? kExitOk : kExitBadInput;
}

}  // namespace confab::cli
