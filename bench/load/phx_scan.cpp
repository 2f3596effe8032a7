#include "phx_scan.hpp"

#include <cstring>

namespace confab::bench {
namespace {

size_t SkipWs(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// Reads a JSON string starting at s[i] == '"'. Returns the index just past the closing quote, or npos.
size_t ReadString(std::string_view s, size_t i, std::string_view* value) {
  if (i >= s.size() || s[i] != '"') return std::string_view::npos;
  size_t start = ++i;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\\') {
      i += 2;
      continue;
    }
    if (c == '"') {
      *value = s.substr(start, i - start);
      return i + 1;
    }
    ++i;
  }
  return std::string_view::npos;
}

// Reads a string or null element followed by `,`. Returns the index after the comma, or npos.
size_t ReadRefElement(std::string_view s, size_t i, bool* is_null, std::string_view* value) {
  i = SkipWs(s, i);
  if (s.substr(i, 4) == "null") {
    *is_null = true;
    *value = {};
    i += 4;
  } else {
    *is_null = false;
    i = ReadString(s, i, value);
    if (i == std::string_view::npos) return i;
  }
  i = SkipWs(s, i);
  if (i >= s.size() || s[i] != ',') return std::string_view::npos;
  return i + 1;
}

// Returns the index of the value after `"key":`, or npos.
size_t FindValue(std::string_view json, std::string_view key) {
  size_t from = 0;
  while (true) {
    size_t at = json.find(key, from);
    if (at == std::string_view::npos) return at;
    from = at + key.size();
    if (at == 0 || json[at - 1] != '"' || from >= json.size() || json[from] != '"') continue;
    size_t i = SkipWs(json, from + 1);
    if (i < json.size() && json[i] == ':') return SkipWs(json, i + 1);
  }
}

// Index just past the JSON value that starts at s[i] (no leading whitespace), or npos. Objects and
// arrays end at their matching delimiter (brackets inside strings do not count); a scalar ends before
// the next `,`, `]`, `}` or whitespace.
size_t SkipValue(std::string_view s, size_t i) {
  if (i >= s.size()) return std::string_view::npos;
  char c = s[i];
  if (c == '"') {
    std::string_view ignored;
    return ReadString(s, i, &ignored);
  }
  if (c == '{' || c == '[') {
    int depth = 0;
    while (i < s.size()) {
      c = s[i];
      if (c == '"') {
        std::string_view ignored;
        i = ReadString(s, i, &ignored);
        if (i == std::string_view::npos) return i;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (--depth == 0) return i + 1;
      }
      ++i;
    }
    return std::string_view::npos;
  }
  size_t start = i;
  while (i < s.size() && s[i] != ',' && s[i] != ']' && s[i] != '}' && s[i] != ' ' && s[i] != '\t' &&
         s[i] != '\n' && s[i] != '\r')
    ++i;
  return i == start ? std::string_view::npos : i;
}

}  // namespace

bool ScanPhxFrame(std::string_view text, PhxFrame* out) {
  size_t i = SkipWs(text, 0);
  if (i >= text.size() || text[i] != '[') return false;
  ++i;
  i = ReadRefElement(text, i, &out->join_ref_null, &out->join_ref);
  if (i == std::string_view::npos) return false;
  i = ReadRefElement(text, i, &out->ref_null, &out->ref);
  if (i == std::string_view::npos) return false;
  bool null_topic = false, null_event = false;
  i = ReadRefElement(text, i, &null_topic, &out->topic);
  if (i == std::string_view::npos || null_topic) return false;
  i = ReadRefElement(text, i, &null_event, &out->event);
  if (i == std::string_view::npos || null_event) return false;
  i = SkipWs(text, i);
  size_t end = text.size();
  while (end > i && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  if (end <= i || text[end - 1] != ']') return false;
  --end;
  while (end > i && (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
  if (end <= i || text[i] != '{' || text[end - 1] != '}') return false;
  out->payload = text.substr(i, end - i);
  return true;
}

bool FindStringField(std::string_view json, std::string_view key, std::string_view* value) {
  size_t i = FindValue(json, key);
  if (i == std::string_view::npos) return false;
  return ReadString(json, i, value) != std::string_view::npos;
}

bool FindIntField(std::string_view json, std::string_view key, int64_t* value) {
  size_t i = FindValue(json, key);
  if (i == std::string_view::npos || i >= json.size()) return false;
  bool neg = json[i] == '-';
  if (neg) ++i;
  if (i >= json.size() || json[i] < '0' || json[i] > '9') return false;
  int64_t v = 0;
  while (i < json.size() && json[i] >= '0' && json[i] <= '9') v = v * 10 + (json[i++] - '0');
  *value = neg ? -v : v;
  return true;
}

bool FindMemberValue(std::string_view json, std::string_view key, std::string_view* value) {
  size_t i = SkipWs(json, 0);
  if (i >= json.size() || json[i] != '{') return false;
  i = SkipWs(json, i + 1);
  if (i < json.size() && json[i] == '}') return false;
  while (i < json.size()) {
    std::string_view name;
    i = ReadString(json, i, &name);
    if (i == std::string_view::npos) return false;
    i = SkipWs(json, i);
    if (i >= json.size() || json[i] != ':') return false;
    i = SkipWs(json, i + 1);
    size_t end = SkipValue(json, i);
    if (end == std::string_view::npos) return false;
    if (name == key) {
      *value = json.substr(i, end - i);
      return true;
    }
    i = SkipWs(json, end);
    if (i >= json.size() || json[i] != ',') return false;
    i = SkipWs(json, i + 1);
  }
  return false;
}

bool SplitArray(std::string_view array, std::vector<std::string_view>* elements) {
  size_t i = SkipWs(array, 0);
  if (i >= array.size() || array[i] != '[') return false;
  i = SkipWs(array, i + 1);
  if (i < array.size() && array[i] == ']') return SkipWs(array, i + 1) == array.size();
  while (i < array.size()) {
    size_t end = SkipValue(array, i);
    if (end == std::string_view::npos) return false;
    elements->push_back(array.substr(i, end - i));
    i = SkipWs(array, end);
    if (i >= array.size()) return false;
    if (array[i] == ']') return SkipWs(array, i + 1) == array.size();
    if (array[i] != ',') return false;
    i = SkipWs(array, i + 1);
  }
  return false;
}

}  // namespace confab::bench
