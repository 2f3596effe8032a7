#pragma once
// The Phoenix Channels V2 JSON codec (PHOENIX-PROTOCOL.md §1.3): one message per text frame, a JSON
// array [join_ref, ref, topic, event, payload]. Decoding never throws; encoding builds strings directly
// (no JSON tree) and JSON-escapes every string it writes.
// Threading: pure functions, safe from any thread.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "channels/transport.hpp"

namespace confab::channels {

// Frames larger than this are not parsed at all: the connection is closed (1009, message too big).
inline constexpr size_t kMaxFrameBytes = 64 * 1024;
// Frames larger than this are parsed only to answer {"reason":"message_too_large"}.
inline constexpr size_t kMaxMessageBytes = 16 * 1024;
// Nesting deeper than this is rejected (a hostile [[[[…]]]] must not cost recursion or memory).
inline constexpr int kMaxJsonDepth = 32;

struct Frame {
  std::optional<std::string> join_ref;  // null on the wire → nullopt
  std::optional<std::string> ref;
  std::string topic;
  std::string event;
  nlohmann::json payload;  // always an object after a successful decode
};

struct DecodeError {
  std::string what;  // for logs
  // The refs, topic and event were read (only the payload is wrong), so the frame can be answered.
  bool addressable = false;
};

// Decodes one text frame. Returns std::nullopt on success, otherwise what is wrong. Rejects: invalid
// JSON or UTF-8, a non-array, fewer than five elements (more are allowed and ignored, as Phoenix
// does), refs that are neither string nor null, a topic or event that is not a string, a payload that
// is not an object (addressable), nesting deeper than kMaxJsonDepth.
std::optional<DecodeError> DecodeFrame(std::string_view text, Frame* out);

// Appends `s` to `out` as a JSON string literal (quotes included). `s` must be valid UTF-8.
void AppendJsonString(std::string* out, std::string_view s);

// [join_ref, ref, topic, "phx_reply", {"status": status, "response": response_json}].
// `response_json` must be a JSON object text.
std::string EncodeReply(const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                        std::string_view topic, std::string_view status, std::string_view response_json);

// A server message to one channel or to everyone: [join_ref, ref, topic, event, payload_json].
// Channel pushes use the current join_ref and ref null; broadcasts both null (so the bytes are the
// same for every subscriber and are encoded once).
std::string EncodeMessage(const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                          std::string_view topic, std::string_view event, std::string_view payload_json);

// Shorthands.
inline SharedFrame EncodeBroadcast(std::string_view topic, std::string_view event,
                                   std::string_view payload_json) {
  return std::make_shared<const std::string>(
      EncodeMessage(std::nullopt, std::nullopt, topic, event, payload_json));
}
// {"reason": reason} or {"reason": reason, "detail": detail} as JSON text.
std::string ReasonJson(std::string_view reason, std::string_view detail = {});

// The header of a V2 binary client push (kind 0, §1.4): enough to answer it. False when malformed.
struct BinaryHeader {
  std::optional<std::string> join_ref;
  std::optional<std::string> ref;
  std::string topic;
  std::string event;
};
bool DecodeBinaryHeader(std::string_view frame, BinaryHeader* out);

}  // namespace confab::channels
