#pragma once
// Tolerant reads of event JSON. Events reaching the views were validated when written, but a view
// must never throw on a stored row it does not expect (an older or newer catalogue, a hand-edited
// import): a missing or mistyped field reads as empty/0.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace confab::views {

inline const nlohmann::json& Field(const nlohmann::json& obj, std::string_view key) {
  static const nlohmann::json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

inline std::string StrField(const nlohmann::json& obj, std::string_view key) {
  const auto& v = Field(obj, key);
  return v.is_string() ? v.get<std::string>() : std::string();
}

inline bool HasStrField(const nlohmann::json& obj, std::string_view key) {
  return Field(obj, key).is_string();
}

inline int64_t IntField(const nlohmann::json& obj, std::string_view key, int64_t fallback = 0) {
  const auto& v = Field(obj, key);
  if (v.is_number_integer()) return v.get<int64_t>();
  if (v.is_number_float()) return static_cast<int64_t>(v.get<double>());
  return fallback;
}

// The event's data object and actor name (the name as it was when the event was written).
inline const nlohmann::json& EventData(const nlohmann::json& event) {
  return Field(event, "data");
}
inline std::string ActorName(const nlohmann::json& event) {
  return StrField(Field(event, "actor"), "name");
}

}  // namespace confab::views
