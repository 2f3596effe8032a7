// One emoji table: the emoji a reaction may carry and their sentiment are the domain's
// (domain::ReactionEmoji); the views score exactly those.
#include "views/sentiment.hpp"

#include <gtest/gtest.h>

#include "domain/meeting.hpp"
#include "views/meeting_fold.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;
using testing::MeetingScript;

std::optional<std::string> ReactionRefusal(std::string_view emoji) {
  domain::Meeting m;
  domain::Apply(m, {{"seq", 1},
                    {"type", "participant_joined"},
                    {"actor", {{"pid", "p"}, {"name", "P"}}},
                    {"ts", kT0},
                    {"data", {{"name", "P"}}}});
  return domain::Validate(m, domain::Actor{"p", "P"}, "reaction", {{"emoji", emoji}});
}

// The sentiment the views give one reaction with `emoji`: +1, 0, −1, or nullopt when unscored.
std::optional<int> ScoredByTheViews(std::string_view emoji) {
  MeetingScript s("m_emoji");
  s.Add(kT0, "p", "P", "reaction", {{"emoji", emoji}});
  MeetingFold fold(s.meeting_id());
  fold.Apply(s.events()[0], nlohmann::json::parse(s.events()[0].json));
  const Sentiment& t = fold.sentiment();
  EXPECT_EQ(fold.reactions(), 1);  // counted as a reaction either way
  if (t.count() == 0) return std::nullopt;
  return t.positive ? 1 : t.negative ? -1 : 0;
}

TEST(Sentiment, EveryEmojiTheDomainAllowsIsScoredWithItsScore) {
  ASSERT_EQ(domain::ReactionEmoji().size(), 10u);  // CONTRACT §2
  for (const auto& [emoji, score] : domain::ReactionEmoji()) {
    EXPECT_EQ(ReactionRefusal(emoji), std::nullopt) << emoji;
    EXPECT_EQ(domain::EmojiSentiment(emoji), std::optional<int>(score)) << emoji;
    EXPECT_EQ(ScoredByTheViews(emoji), std::optional<int>(score)) << emoji;
  }
}

TEST(Sentiment, AnEmojiTheDomainRefusesIsNotScored) {
  // ❤ without U+FE0F, 🦄, text: the reaction rule refuses them, and a log holding one anyway (an import)
  // counts it as a reaction without a score.
  for (std::string_view emoji : {"\u2764", "\U0001F984", "ok", ""}) {
    EXPECT_EQ(ReactionRefusal(emoji), std::optional<std::string>("invalid_payload")) << emoji;
    EXPECT_EQ(ScoredByTheViews(emoji), std::nullopt) << emoji;
  }
}

TEST(Sentiment, MeanIsNullWithoutScoredReactions) {
  Sentiment s;
  EXPECT_TRUE(s.ToJson()["mean"].is_null());
  s.Add(1);
  s.Add(0);
  s.Add(-1);
  s.Add(1);
  EXPECT_EQ(s.ToJson(), (nlohmann::json{{"positive", 2}, {"neutral", 1}, {"negative", 1}, {"mean", 0.25}}));
}

}  // namespace
}  // namespace confab::views
