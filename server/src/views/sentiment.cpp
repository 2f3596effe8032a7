#include "views/sentiment.hpp"

#include <array>
#include <utility>

namespace confab::views {

std::optional<int> EmojiScore(std::string_view emoji) {
  static constexpr std::array<std::pair<std::string_view, int>, 11> kScores{{
      {"\U0001F44D", 1},    // 👍
      {"\U0001F44F", 1},    // 👏
      {"\U0001F389", 1},    // 🎉
      {"\u2764\uFE0F", 1},  // ❤️
      {"\u2764", 1},        // ❤ without the emoji presentation selector: the same heart
      {"\U0001F525", 1},    // 🔥
      {"\U0001F602", 1},    // 😂
      {"\U0001F914", 0},    // 🤔
      {"\U0001F62E", 0},    // 😮
      {"\U0001F44E", -1},   // 👎
      {"\U0001F622", -1},   // 😢
  }};
  for (const auto& [e, score] : kScores) {
    if (e == emoji) return score;
  }
  return std::nullopt;
}

nlohmann::json Sentiment::ToJson() const {
  nlohmann::json mean = nullptr;
  if (count() > 0) mean = static_cast<double>(positive - negative) / static_cast<double>(count());
  return {{"positive", positive}, {"neutral", neutral}, {"negative", negative}, {"mean", mean}};
}

}  // namespace confab::views
