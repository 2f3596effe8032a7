#include "cluster/envelope.hpp"

#include <charconv>
#include <nlohmann/json.hpp>

namespace confab::cluster {
namespace {

constexpr std::string_view kNames[] = {"e", "pj", "pl", "ps", "sync", "hb", "bye"};

std::optional<Kind> KindOf(std::string_view name) {
  for (size_t i = 0; i < std::size(kNames); ++i) {
    if (kNames[i] == name) return static_cast<Kind>(i);
  }
  return std::nullopt;
}

std::vector<std::string_view> Fields(std::string_view header) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= header.size()) {
    size_t space = header.find(' ', start);
    if (space == std::string_view::npos) space = header.size();
    out.push_back(header.substr(start, space - start));
    start = space + 1;
  }
  return out;
}

std::optional<int64_t> Int(std::string_view s) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

bool Token(std::string_view s) {
  return !s.empty() && s.find_first_of(" \n") == std::string_view::npos;
}

}  // namespace

std::string MeetingSubject(std::string_view meeting_id) {
  return "confab.m." + std::string(meeting_id);
}

bool ValidNodeId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
              c == '-' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

std::string Encode(const Envelope& e) {
  std::string out(kNames[static_cast<size_t>(e.kind)]);
  out.push_back(' ');
  out.append(e.origin);
  switch (e.kind) {
    case Kind::kEvent:
      out.append(" ").append(std::to_string(e.seq)).append("\n").append(e.body);
      break;
    case Kind::kPresenceJoin: {
      const auto& m = e.members.at(0);
      out.append(" ").append(m.key).append(" ").append(std::to_string(m.meta.online_at));
      out.append(" ").append(m.meta.phx_ref).append("\n").append(m.meta.name);
      break;
    }
    case Kind::kPresenceLeave:
      out.append(" ").append(e.phx_ref).append("\n");
      break;
    case Kind::kPresenceState: {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& m : e.members) list.push_back({m.key, m.meta.online_at, m.meta.phx_ref, m.meta.name});
      out.append("\n").append(list.dump());
      break;
    }
    case Kind::kSync:
    case Kind::kHeartbeat:
    case Kind::kBye:
      out.append("\n");
      break;
  }
  return out;
}

std::optional<Envelope> Decode(std::string_view text) {
  const size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  const std::vector<std::string_view> f = Fields(text.substr(0, nl));
  const std::string_view body = text.substr(nl + 1);
  if (f.size() < 2 || !Token(f[1])) return std::nullopt;
  std::optional<Kind> kind = KindOf(f[0]);
  if (!kind) return std::nullopt;
  Envelope e;
  e.kind = *kind;
  e.origin = std::string(f[1]);
  switch (e.kind) {
    case Kind::kEvent: {
      std::optional<int64_t> seq = f.size() == 3 ? Int(f[2]) : std::nullopt;
      if (!seq || *seq < 1 || body.empty()) return std::nullopt;
      e.seq = *seq;
      e.body = std::string(body);
      return e;
    }
    case Kind::kPresenceJoin: {
      std::optional<int64_t> at = f.size() == 5 ? Int(f[3]) : std::nullopt;
      if (!at || !Token(f[2]) || !Token(f[4])) return std::nullopt;
      e.members.push_back({std::string(f[2]), {std::string(body), *at, std::string(f[4])}});
      return e;
    }
    case Kind::kPresenceLeave:
      if (f.size() != 3 || !Token(f[2])) return std::nullopt;
      e.phx_ref = std::string(f[2]);
      return e;
    case Kind::kPresenceState: {
      if (f.size() != 2) return std::nullopt;
      nlohmann::json list = nlohmann::json::parse(body, nullptr, false);
      if (!list.is_array()) return std::nullopt;
      for (const auto& m : list) {
        if (!m.is_array() || m.size() != 4 || !m[0].is_string() || !m[1].is_number_integer() ||
            !m[2].is_string() || !m[3].is_string()) {
          return std::nullopt;
        }
        e.members.push_back({m[0].get<std::string>(),
                             {m[3].get<std::string>(), m[1].get<int64_t>(), m[2].get<std::string>()}});
      }
      return e;
    }
    case Kind::kSync:
    case Kind::kHeartbeat:
    case Kind::kBye:
      if (f.size() != 2) return std::nullopt;
      return e;
  }
  return std::nullopt;
}

}  // namespace confab::cluster
