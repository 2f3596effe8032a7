#include "views/sentiment.hpp"

namespace confab::views {

nlohmann::json Sentiment::ToJson() const {
  nlohmann::json mean = nullptr;
  if (count() > 0) mean = static_cast<double>(positive - negative) / static_cast<double>(count());
  return {{"positive", positive}, {"neutral", neutral}, {"negative", negative}, {"mean", mean}};
}

}  // namespace confab::views
