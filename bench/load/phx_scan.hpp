#pragma once
// A scanner for Phoenix V2 JSON frames ([join_ref, ref, topic, event, payload]) that reads only what
// the load generator needs, without building a DOM: at a million deliveries per second a full JSON parse
// would make the client, not the server, the bottleneck. Stateless; safe from any thread.
#include <cstdint>
#include <string_view>
#include <vector>

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

// The raw text of member `key` of the object `json` itself (members of nested objects and arrays do
// not match, nor do string values), e.g. "events" of a batch payload `{"events":[…]}` or "response" of
// a reply. False when absent or when the object is malformed before the key.
bool FindMemberValue(std::string_view json, std::string_view key, std::string_view* value);

// Splits the text of a JSON array into its elements' raw texts (whitespace trimmed), appended to
// `elements` (not cleared). Nesting and strings (with escapes) are skipped by their delimiters; scalars
// are not checked. False when `array` is not one well-delimited array.
bool SplitArray(std::string_view array, std::vector<std::string_view>* elements);

}  // namespace confab::bench
