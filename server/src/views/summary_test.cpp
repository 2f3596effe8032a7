#include "views/summary.hpp"

#include <gtest/gtest.h>

#include "views/queries.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;
using testing::MemoryStore;

MeetingScript OrderScript() {
  MeetingScript s("m_sum");
  s.Add(kT0, "system", "Confab", "meeting_created",
        {{"title", "Sprint *42* retro"}, {"votes_per_person", 3}, {"timebox_s", 300}});
  s.Add(kT0 + 1000, "pa", "Ada", "participant_joined", {{"name", "Ada"}});
  s.Add(kT0 + 2000, "pb", "Bob_the_builder", "participant_joined", {{"name", "Bob_the_builder"}});
  s.Add(kT0 + 3000, "pa", "Ada", "card_added", {{"card_id", "a"}, {"title", "Alpha topic"}});
  s.Add(kT0 + 4000, "pb", "Bob_the_builder", "card_added",
        {{"card_id", "b"}, {"title", "Beta <b>topic</b>"}});
  s.Add(kT0 + 5000, "pb", "Bob_the_builder", "card_added",
        {{"card_id", "c"}, {"title", "Gamma [link](http://x)"}});
  s.Add(kT0 + 5500, "pa", "Ada", "card_added", {{"card_id", "d"}, {"title", "Delta"}});
  s.Add(kT0 + 6000, "pa", "Ada", "phase_changed", {{"phase", "vote"}});
  s.Add(kT0 + 7000, "pa", "Ada", "card_voted", {{"card_id", "c"}});
  s.Add(kT0 + 7100, "pb", "Bob_the_builder", "card_voted", {{"card_id", "c"}});
  s.Add(kT0 + 7200, "pb", "Bob_the_builder", "card_voted", {{"card_id", "d"}});
  s.Add(kT0 + 8000, "pa", "Ada", "phase_changed", {{"phase", "discuss"}});
  s.Add(kT0 + 10000, "pa", "Ada", "discussion_started", {{"card_id", "c"}});  // Gamma first
  s.Add(kT0 + 20000, "pb", "Bob_the_builder", "note_added",
        {{"card_id", "c"}, {"note_id", "n1"}, {"text", "Use `ccache` | sccache"}, {"kind", "action"}});
  s.Add(kT0 + 21000, "pa", "Ada", "note_added",
        {{"card_id", "c"}, {"note_id", "n2"}, {"text", "Builds are slow"}, {"kind", "takeaway"}});
  s.Add(kT0 + 22000, "pa", "Ada", "note_added",
        {{"card_id", "c"}, {"note_id", "n3"}, {"text", "deleted note"}, {"kind", "takeaway"}});
  s.Add(kT0 + 23000, "pa", "Ada", "note_deleted", {{"card_id", "c"}, {"note_id", "n3"}});
  s.Add(kT0 + 760000, "pa", "Ada", "discussion_finished", {{"card_id", "c"}, {"outcome", "done"}});  // 12:30
  s.Add(kT0 + 770000, "pa", "Ada", "discussion_started", {{"card_id", "a"}});
  s.Add(kT0 + 835000, "pa", "Ada", "discussion_finished", {{"card_id", "a"}, {"outcome", "parked"}});  // 1:05
  return s;
}

TEST(Summary, ListsTopicsInDiscussionOrderThenTheRest) {
  MemoryStore store;
  store.Load(OrderScript());
  std::string md;
  ASSERT_TRUE(SummaryMarkdown(store, "m_sum", &md).ok());
  EXPECT_TRUE(md.starts_with("# Sprint \\*42\\* retro\n")) << md;
  EXPECT_NE(md.find("- Date: 2024-11-28 05:00–05:13 UTC (13:55)"), std::string::npos) << md;
  EXPECT_NE(md.find("Participants (2): Ada, Bob\\_the\\_builder"), std::string::npos) << md;

  const size_t discussed = md.find("## Topics discussed");
  const size_t parked = md.find("## Topics parked");
  const size_t not_discussed = md.find("## Topics not discussed");
  const size_t actions = md.find("## Action items");
  const size_t gamma = md.find("1. Gamma \\[link\\](http://x) — 12:30, 2 votes, done");
  // A parked topic is not "discussed": it has a list of its own (issue 11, item 10).
  const size_t alpha = md.find("1. Alpha topic — 01:05, 0 votes\n");
  const size_t delta = md.find("- Delta — 1 vote");
  const size_t beta = md.find("- Beta \\<b\\>topic\\</b\\> — 0 votes");
  ASSERT_NE(discussed, std::string::npos);
  ASSERT_NE(parked, std::string::npos) << md;
  ASSERT_NE(not_discussed, std::string::npos);
  ASSERT_NE(actions, std::string::npos) << md;
  ASSERT_NE(gamma, std::string::npos) << md;
  ASSERT_NE(alpha, std::string::npos) << md;
  ASSERT_NE(delta, std::string::npos) << md;
  ASSERT_NE(beta, std::string::npos) << md;
  EXPECT_EQ(md.find("Alpha topic", discussed), alpha + 3) << "Alpha listed before the parked list: " << md;
  EXPECT_LT(discussed, gamma);
  EXPECT_LT(gamma, parked);
  EXPECT_LT(parked, alpha);
  EXPECT_LT(alpha, not_discussed);
  EXPECT_LT(not_discussed, delta);
  EXPECT_LT(delta, beta);  // undiscussed topics by votes
  EXPECT_LT(beta, actions);
  const size_t takeaway = md.find("   - Takeaway: Builds are slow — Ada");
  const size_t action = md.find(
      "- [ ] Use \\`ccache\\` \\| sccache — no owner (topic: Gamma \\[link\\](http://x); added by "
      "Bob\\_the\\_builder)");
  ASSERT_NE(takeaway, std::string::npos) << md;
  ASSERT_NE(action, std::string::npos) << md;
  EXPECT_LT(gamma, takeaway);
  EXPECT_LT(takeaway, parked);
  EXPECT_LT(actions, action);
  EXPECT_NE(md.find("- Mood: no reactions\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("deleted note"), std::string::npos);
}

TEST(Summary, EscapesMarkdownAndKeepsOneLine) {
  EXPECT_EQ(EscapeMarkdown("a*b_c`d[e]f<g>h#i|j~k&l\\m"),
            "a\\*b\\_c\\`d\\[e\\]f\\<g\\>h\\#i\\|j\\~k\\&l\\\\m");
  EXPECT_EQ(EscapeMarkdown("two\nlines"), "two lines");
  EXPECT_EQ(EscapeMarkdown("Emoji 🎉 ü"), "Emoji 🎉 ü");
}

TEST(Summary, UnknownMeetingIsNotFound) {
  MemoryStore store;
  std::string md;
  EXPECT_EQ(SummaryMarkdown(store, "m_nope", &md).code(), Status::Code::kNotFound);
}

}  // namespace
}  // namespace confab::views
