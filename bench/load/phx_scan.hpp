#pragma once
// A scanner for Phoenix V2 JSON frames ([join_ref, ref, topic, event, payload]) that reads only what
// the load generator needs, without building a DOM: at a million deliveries per second a full JSON parse
// would make the client, not the server, the bottleneck. Stateless; safe from any thread.
#include <cstdint>
#include <string_view>

namespace confab::bench {

struct PhxFrame {
  bool join_ref_null = true;
  bool ref_null = true;
  std::string_view join_ref;  // raw string contents (escapes left as they are); empty when null
  std::string_view ref;
  std::string_view topic;
  std::string_view event;
  std::string_view payload;  // the raw JSON object text
};

// Splits a V2 text frame. False when it is not a 5-element array of four strings/nulls and an object.
bool ScanPhxFrame(std::string_view text, PhxFrame* out);

// Finds the first `"key": "value"` anywhere in `json` (any nesting level) and returns the raw value.
// Good enough for payloads whose shape we know (the key is unique in them); not a general JSON query.
bool FindStringField(std::string_view json, std::string_view key, std::string_view* value);
// Same for an integer value.
bool FindIntField(std::string_view json, std::string_view key, int64_t* value);

}  // namespace confab::bench
