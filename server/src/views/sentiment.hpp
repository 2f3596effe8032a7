#pragma once
// Reaction sentiment as CONTRACT §2 fixes it. The scores themselves are the domain's
// (domain::EmojiSentiment, the same table that decides which emoji a reaction may carry), so an emoji
// cannot be allowed without a score; this is only the tally.
#include <cstdint>
#include <nlohmann/json.hpp>

namespace confab::views {

// Counts of scored reactions. mean = (positive − negative) / (positive + neutral + negative),
// null when there are none.
struct Sentiment {
  int64_t positive = 0;
  int64_t neutral = 0;
  int64_t negative = 0;

  void Add(int score) { (score > 0 ? positive : score < 0 ? negative : neutral) += 1; }
  int64_t count() const { return positive + neutral + negative; }
  nlohmann::json ToJson() const;
};

}  // namespace confab::views
