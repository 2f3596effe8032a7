#pragma once
// Reaction sentiment, scored as CONTRACT §2 fixes it: 👍 👏 🎉 ❤️ 🔥 😂 = +1, 🤔 😮 = 0, 👎
// 😢 = −1.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace confab::views {

// The score of `emoji`, std::nullopt for an emoji outside the contract's set (counted as a
// reaction but left out of sentiment).
std::optional<int> EmojiScore(std::string_view emoji);

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
