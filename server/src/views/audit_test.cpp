#include "views/audit.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "views/csv.hpp"
#include "views/queries.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;
using testing::MemoryStore;
using testing::RetroScript;

// A strict RFC 4180 reader: records end with CRLF, a bare CR or LF outside quotes is an error.
bool ParseCsv(std::string_view text, std::vector<std::vector<std::string>>* rows, std::string* error) {
  rows->clear();
  std::vector<std::string> record;
  std::string field;
  size_t i = 0;
  bool quoted = false, field_started = false;
  auto end_field = [&] {
    record.push_back(std::move(field));
    field.clear();
    field_started = false;
  };
  while (i < text.size()) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field.push_back('"');
          i += 2;
          continue;
        }
        quoted = false;
        ++i;
        if (i < text.size() && text[i] != ',' && text[i] != '\r') {
          *error = "text after closing quote at " + std::to_string(i);
          return false;
        }
        continue;
      }
      field.push_back(c);
      ++i;
      continue;
    }
    if (c == '"' && !field_started && field.empty()) {
      quoted = field_started = true;
      ++i;
    } else if (c == ',') {
      end_field();
      ++i;
    } else if (c == '\r') {
      if (i + 1 >= text.size() || text[i + 1] != '\n') {
        *error = "bare CR at " + std::to_string(i);
        return false;
      }
      end_field();
      rows->push_back(std::move(record));
      record.clear();
      i += 2;
    } else if (c == '\n') {
      *error = "bare LF at " + std::to_string(i);
      return false;
    } else if (c == '"') {
      *error = "quote inside unquoted field at " + std::to_string(i);
      return false;
    } else {
      field.push_back(c);
      field_started = true;
      ++i;
    }
  }
  if (quoted) {
    *error = "unterminated quote";
    return false;
  }
  if (field_started || !record.empty()) {
    *error = "last record lacks CRLF";
    return false;
  }
  return true;
}

std::vector<std::string> Summaries(const nlohmann::json& audit) {
  std::vector<std::string> out;
  for (const auto& e : audit["events"]) out.push_back(e["summary"]);
  return out;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Audit, EveryEventHasAOneLineSentence) {
  MemoryStore store;
  const MeetingScript script = RetroScript();
  store.Load(script);
  nlohmann::json audit;
  ASSERT_TRUE(AuditJson(store, "m_retro", {}, &audit).ok());
  ASSERT_EQ(audit["events"].size(), script.events().size());
  EXPECT_EQ(audit["count"], script.events().size());
  const auto s = Summaries(audit);
  EXPECT_EQ(s[0], "Confab created the meeting 'Retro #7' (3 votes per person, 5:00 per topic)");
  EXPECT_EQ(s[1], "Ada joined");
  EXPECT_EQ(s[3], "Ada added 'Why are builds slow?'");
  EXPECT_EQ(s[7], "Bob moved the meeting to the vote phase");
  EXPECT_EQ(s[8], "Ada voted for 'Why are builds slow?'");
  EXPECT_EQ(s[12], "Ada withdrew a vote from 'Why are builds slow?'");
  EXPECT_EQ(s[13], "Ada merged 'Builds again' into 'Why are builds slow?'");
  EXPECT_EQ(s[15], "Ada reacted 🔥");
  EXPECT_EQ(s[17], "Bob started discussing 'Why are builds slow?'");
  EXPECT_EQ(s[18], "Ada reacted 👍 on 'Why are builds slow?'");
  EXPECT_EQ(s[19], "Bob reacted 🎉 while discussing 'Why are builds slow?'");
  EXPECT_EQ(s[21], "Ada voted to keep discussing 'Why are builds slow?'");
  EXPECT_EQ(s[22], "Ada added a takeaway to 'Why are builds slow?': 'Cache deps'");
  EXPECT_EQ(s[23], "Bob added an action item to 'Why are builds slow?': 'Bob buys [more] *RAM*'");
  EXPECT_EQ(s[24], "Bob finished discussing 'Why are builds slow?'");
  EXPECT_EQ(s[28], "Bob parked 'Flaky tests'");
  EXPECT_EQ(s[31], "Bob started a 1:00 timer");
  for (const auto& line : s) EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << line;
  const auto& first = audit["events"][0];
  EXPECT_EQ(first["ts"], "2024-11-28T05:00:00.000Z");
  EXPECT_EQ(first["actor_pid"], "system");
  EXPECT_EQ(first["actor"], "Confab");
  EXPECT_EQ(audit["events"][31]["ts"], "2024-11-28T05:08:40.000Z");
}

TEST(Audit, TitlesAreAsTheyWereAtThatPoint) {
  MeetingScript s("m_titles");
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "T"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  s.Add(kT0 + 1, "p", "Ada", "card_added", {{"card_id", "c"}, {"title", "Before"}});
  s.Add(kT0 + 2, "p", "Ada", "card_voted", {{"card_id", "c"}});
  s.Add(kT0 + 3, "p", "Ada", "card_edited", {{"card_id", "c"}, {"title", "After"}});
  s.Add(kT0 + 4, "p", "Ada", "card_voted", {{"card_id", "c"}});
  s.Add(kT0 + 5, "p", "Ada", "card_deleted", {{"card_id", "c"}});
  s.Add(kT0 + 6, "p", "Ada", "note_added",
        {{"card_id", "c"}, {"note_id", "n"}, {"text", "t"}, {"kind", "action"}});
  s.Add(kT0 + 7, "p", "Ada", "note_deleted", {{"card_id", "c"}, {"note_id", "n"}});
  s.Add(kT0 + 8, "p", "Ada", "settings_changed", {{"votes_per_person", 5}, {"anonymous_votes", true}});
  s.Add(kT0 + 9, "p", "Ada", "participant_renamed", {{"name", "Ada L."}});
  s.Add(kT0 + 10, "p", "Ada L.", "meeting_renamed", {{"title", "Better"}});
  s.Add(kT0 + 11, "p", "Ada L.", "timer_extended", {{"seconds", 90}});
  s.Add(kT0 + 12, "p", "Ada L.", "continue_voted", {{"vote", "down"}});
  MemoryStore store;
  store.Load(s);
  nlohmann::json audit;
  ASSERT_TRUE(AuditJson(store, "m_titles", {}, &audit).ok());
  const auto lines = Summaries(audit);
  EXPECT_EQ(lines[2], "Ada voted for 'Before'");
  EXPECT_EQ(lines[3], "Ada changed 'Before' to 'After'");
  EXPECT_EQ(lines[4], "Ada voted for 'After'");
  EXPECT_EQ(lines[5], "Ada deleted 'After'");
  EXPECT_EQ(lines[7], "Ada deleted an action item from 'After'");
  EXPECT_EQ(lines[8], "Ada changed the settings: anonymous votes on, 5 votes per person");
  EXPECT_EQ(lines[9], "Ada is now called 'Ada L.'");
  EXPECT_EQ(lines[10], "Ada L. renamed the meeting to 'Better'");
  EXPECT_EQ(lines[11], "Ada L. extended the timer by 1:30");
  EXPECT_EQ(lines[12], "Ada L. voted to move on from the topic");
}

TEST(Audit, FiltersByActorAndType) {
  MemoryStore store;
  store.Load(RetroScript());
  nlohmann::json audit;
  ASSERT_TRUE(AuditJson(store, "m_retro", {.actor = "bob"}, &audit).ok());  // a name, any case
  ASSERT_FALSE(audit["events"].empty());
  for (const auto& e : audit["events"]) EXPECT_EQ(e["actor_pid"], "p_bob");
  const size_t bob_rows = audit["events"].size();
  ASSERT_TRUE(AuditJson(store, "m_retro", {.actor = "p_bob"}, &audit).ok());  // a pid
  EXPECT_EQ(audit["events"].size(), bob_rows);

  ASSERT_TRUE(AuditJson(store, "m_retro", {.type = "card_voted, vote_withdrawn"}, &audit).ok());
  EXPECT_EQ(audit["events"].size(), 6u);
  ASSERT_TRUE(AuditJson(store, "m_retro", {.actor = "Ada", .type = "card_voted"}, &audit).ok());
  EXPECT_EQ(audit["events"].size(), 3u);
  // Filtering does not change the wording: titles are still folded from skipped events.
  EXPECT_EQ(audit["events"][0]["summary"], "Ada voted for 'Why are builds slow?'");

  EXPECT_EQ(AuditJson(store, "m_retro", {.type = "card_vote"}, &audit).code(), Status::Code::kInvalid);
  EXPECT_EQ(AuditJson(store, "m_nope", {}, &audit).code(), Status::Code::kNotFound);
  std::string csv;
  EXPECT_EQ(AuditCsv(store, "m_nope", {}, &csv).code(), Status::Code::kNotFound);
}

TEST(AuditCsv, ParsesBackToTheJsonAudit) {
  MeetingScript s("m_csv");
  const std::vector<std::string> titles = {"Commas, everywhere, here",
                                           "She said \"hi\" and \"bye\"",
                                           "Line one\nline two\r\nline three",
                                           "Emoji 🎉 and ünïcödé ✓",
                                           "=HYPERLINK(\"http://x\",\"y\")",
                                           "+1 for this",
                                           "-minus",
                                           "@mention",
                                           "plain"};
  const std::vector<std::string> names = {"Ann, \"the\" Boss", "=cmd|' /C calc'!A0", "@bob", "Multi\nLine",
                                          "Zoë"};
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "=1+1, \"csv\""}, {"votes_per_person", 3}, {"timebox_s", 300}});
  for (size_t i = 0; i < names.size(); ++i) {
    s.Add(kT0 + 1 + static_cast<int64_t>(i), "p" + std::to_string(i), names[i], "participant_joined",
          {{"name", names[i]}});
  }
  for (size_t i = 0; i < titles.size(); ++i) {
    const std::string pid = "p" + std::to_string(i % names.size());
    s.Add(kT0 + 100 + static_cast<int64_t>(i), pid, names[i % names.size()], "card_added",
          {{"card_id", "c" + std::to_string(i)}, {"title", titles[i]}});
    s.Add(kT0 + 200 + static_cast<int64_t>(i), pid, names[i % names.size()], "reaction",
          {{"emoji", "👍"}, {"card_id", "c" + std::to_string(i)}});
  }
  MemoryStore store;
  store.Load(s);
  nlohmann::json audit;
  std::string csv;
  ASSERT_TRUE(AuditJson(store, "m_csv", {}, &audit).ok());
  ASSERT_TRUE(AuditCsv(store, "m_csv", {}, &csv).ok());

  ASSERT_EQ(csv.substr(0, 3), kUtf8Bom);
  std::vector<std::vector<std::string>> rows;
  std::string error;
  ASSERT_TRUE(ParseCsv(std::string_view(csv).substr(3), &rows, &error)) << error;
  ASSERT_EQ(rows.size(), audit["events"].size() + 1);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"seq", "ts", "actor_pid", "actor", "type", "summary"}));
  // Cells a spreadsheet would evaluate carry a leading quote; everything else is verbatim.
  auto cell = [](const std::string& v) {
    return !v.empty() && std::string_view("=+-@\t\r").find(v[0]) != std::string_view::npos ? "'" + v : v;
  };
  int defused = 0;
  for (size_t i = 1; i < rows.size(); ++i) {
    const auto& e = audit["events"][i - 1];
    ASSERT_EQ(rows[i].size(), 6u) << "row " << i;
    EXPECT_EQ(rows[i][0], std::to_string(e["seq"].get<int64_t>()));
    EXPECT_EQ(rows[i][1], e["ts"]);
    EXPECT_EQ(rows[i][2], cell(e["actor_pid"]));
    EXPECT_EQ(rows[i][3], cell(e["actor"]));
    EXPECT_EQ(rows[i][4], cell(e["type"]));
    EXPECT_EQ(rows[i][5], cell(e["summary"]));
    for (const auto& v : rows[i]) defused += v.starts_with("'=") || v.starts_with("'@");
  }
  EXPECT_GE(defused, 4);  // "=cmd…" and "@bob" as actors and at the head of their sentences
  // The odd titles reach the summaries intact (newlines as spaces: a summary is one line).
  const auto lines = Summaries(audit);
  EXPECT_TRUE(Contains(lines, "Ann, \"the\" Boss added 'Commas, everywhere, here'"));
  EXPECT_TRUE(Contains(lines, "=cmd|' /C calc'!A0 added 'She said \"hi\" and \"bye\"'"));
  EXPECT_TRUE(Contains(lines, "@bob added 'Line one line two  line three'"));
  EXPECT_TRUE(Contains(lines, "Multi Line added 'Emoji 🎉 and ünïcödé ✓'"));
  EXPECT_TRUE(Contains(lines, "Zoë added '=HYPERLINK(\"http://x\",\"y\")'"));
  // A raw newline in a field survives the round trip.
  EXPECT_NE(std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r[3] == "Multi\nLine"; }),
            rows.end());
}

TEST(Csv, QuotesOnlyWhatNeedsQuoting) {
  std::string out;
  AppendCsvRecord({"a", "b,c", "d\"e", "f\r\ng", "=x", "", "-1"}, &out);
  EXPECT_EQ(out, "a,\"b,c\",\"d\"\"e\",\"f\r\ng\",'=x,,'-1\r\n");
}

}  // namespace
}  // namespace confab::views
