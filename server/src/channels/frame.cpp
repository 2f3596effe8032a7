#include "channels/frame.hpp"

#include <exception>

#include "util/utf8.hpp"

namespace confab::channels {
namespace {

// Deepest [ / { nesting of a JSON text, looking past string contents. Cheap guard run before parsing.
int NestingDepth(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > max_depth) max_depth = depth;
        break;
      case ']':
      case '}':
        --depth;
        break;
      default:
        break;
    }
  }
  return max_depth;
}

bool ReadRef(const nlohmann::json& j, std::optional<std::string>* out) {
  if (j.is_null()) {
    out->reset();
    return true;
  }
  if (!j.is_string()) return false;
  *out = j.get<std::string>();
  return true;
}

void AppendRef(std::string* out, const std::optional<std::string>& ref) {
  if (ref) {
    AppendJsonString(out, *ref);
  } else {
    out->append("null");
  }
}

}  // namespace

std::optional<DecodeError> DecodeFrame(std::string_view text, Frame* out) {
  if (NestingDepth(text) > kMaxJsonDepth) return DecodeError{"nesting too deep"};
  nlohmann::json doc;
  try {
    // allow_exceptions=false turns syntax errors (invalid UTF-8 included) into a discarded value;
    // the try guards whatever else the library may throw.
    doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  } catch (const std::exception& e) {
    return DecodeError{std::string("invalid JSON: ") + e.what()};
  }
  if (doc.is_discarded()) return DecodeError{"invalid JSON"};
  if (!doc.is_array()) return DecodeError{"not an array"};
  if (doc.size() < 5) return DecodeError{"fewer than 5 elements"};
  if (!ReadRef(doc[0], &out->join_ref)) return DecodeError{"join_ref is neither string nor null"};
  if (!ReadRef(doc[1], &out->ref)) return DecodeError{"ref is neither string nor null"};
  if (!doc[2].is_string()) return DecodeError{"topic is not a string"};
  if (!doc[3].is_string()) return DecodeError{"event is not a string"};
  out->topic = std::move(doc[2].get_ref<std::string&>());
  out->event = std::move(doc[3].get_ref<std::string&>());
  if (!doc[4].is_object()) return DecodeError{"payload is not an object", true};
  out->payload = std::move(doc[4]);
  return std::nullopt;
}

void AppendJsonString(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the pending unescaped run
  for (size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, sizeof esc);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

std::string EncodeReply(const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                        std::string_view topic, std::string_view status, std::string_view response_json) {
  std::string out;
  out.reserve(64 + topic.size() + response_json.size());
  out.push_back('[');
  AppendRef(&out, join_ref);
  out.push_back(',');
  AppendRef(&out, ref);
  out.push_back(',');
  AppendJsonString(&out, topic);
  out.append(",\"phx_reply\",{\"status\":");
  AppendJsonString(&out, status);
  out.append(",\"response\":");
  out.append(response_json);
  out.append("}]");
  return out;
}

std::string EncodeMessage(const std::optional<std::string>& join_ref, const std::optional<std::string>& ref,
                          std::string_view topic, std::string_view event, std::string_view payload_json) {
  std::string out;
  out.reserve(32 + topic.size() + event.size() + payload_json.size());
  out.push_back('[');
  AppendRef(&out, join_ref);
  out.push_back(',');
  AppendRef(&out, ref);
  out.push_back(',');
  AppendJsonString(&out, topic);
  out.push_back(',');
  AppendJsonString(&out, event);
  out.push_back(',');
  out.append(payload_json);
  out.push_back(']');
  return out;
}

std::string ReasonJson(std::string_view reason, std::string_view detail) {
  std::string out = "{\"reason\":";
  AppendJsonString(&out, reason);
  if (!detail.empty()) {
    out.append(",\"detail\":");
    AppendJsonString(&out, detail);
  }
  out.push_back('}');
  return out;
}

bool DecodeBinaryHeader(std::string_view frame, BinaryHeader* out) {
  // kind 0 (push): kind, join_ref_len, ref_len, topic_len, event_len, then the strings, then payload.
  if (frame.size() < 5 || static_cast<unsigned char>(frame[0]) != 0) return false;
  const size_t lens[4] = {static_cast<unsigned char>(frame[1]), static_cast<unsigned char>(frame[2]),
                          static_cast<unsigned char>(frame[3]), static_cast<unsigned char>(frame[4])};
  size_t pos = 5;
  std::string_view fields[4];
  for (int i = 0; i < 4; ++i) {
    if (frame.size() - pos < lens[i]) return false;
    fields[i] = frame.substr(pos, lens[i]);
    pos += lens[i];
    // These strings are echoed in a JSON reply, so they must be text.
    if (!IsValidUtf8(fields[i])) return false;
  }
  // An empty ref field means "none" (§1.4).
  out->join_ref = fields[0].empty() ? std::nullopt : std::optional<std::string>(fields[0]);
  out->ref = fields[1].empty() ? std::nullopt : std::optional<std::string>(fields[1]);
  out->topic = std::string(fields[2]);
  out->event = std::string(fields[3]);
  return true;
}

}  // namespace confab::channels
