#pragma once
// Typed, non-throwing reads of event payload fields, used by Validate (a wrong type is
// "invalid_payload") and by Apply (which must never throw on a stored event it does not expect).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace confab::domain {

// The member `key` of `obj`, nullptr when `obj` is not an object or has no such member.
const nlohmann::json* Member(const nlohmann::json& obj, std::string_view key);

// The string member `key`, nullopt when absent or not a string.
std::optional<std::string_view> StrField(const nlohmann::json& obj, std::string_view key);

// The integer member `key`, nullopt when absent, not a number, not integral or beyond int64.
// An integral float (5.0) counts as an integer, as it does in JavaScript.
std::optional<int64_t> IntField(const nlohmann::json& obj, std::string_view key);

// The boolean member `key`, nullopt when absent or not a boolean.
std::optional<bool> BoolField(const nlohmann::json& obj, std::string_view key);

}  // namespace confab::domain
