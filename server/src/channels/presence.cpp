#include "channels/presence.hpp"

#include <atomic>
#include <memory>

#include "channels/frame.hpp"
#include "util/crypto.hpp"

namespace confab::channels {
namespace {

// {"metas":[meta]} for one meta.
void AppendMeta(std::string* out, const PresenceTable::Meta& m) {
  out->append("{\"name\":");
  AppendJsonString(out, m.name);
  out->append(",\"online_at\":");
  out->append(std::to_string(m.online_at));
  out->append(",\"phx_ref\":");
  AppendJsonString(out, m.phx_ref);
  out->push_back('}');
}

// {"joins":{key:{"metas":[m]}},"leaves":{}} or the other way round.
std::string OneMetaDiff(const std::string& key, const PresenceTable::Meta& m, bool join) {
  std::string entry;
  AppendJsonString(&entry, key);
  entry.append(":{\"metas\":[");
  AppendMeta(&entry, m);
  entry.append("]}");
  return join ? "{\"joins\":{" + entry + "},\"leaves\":{}}" : "{\"joins\":{},\"leaves\":{" + entry + "}}";
}

}  // namespace

std::string NewPhxRef() {
  static std::atomic<uint64_t> counter{0};
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  // 64 bits of counter (unique in this process) then 32 random bits (unique across restarts, which
  // matters because clients keep metas of a previous connection until the next presence_state).
  const uint64_t n = counter.fetch_add(1, std::memory_order_relaxed);
  const std::string rnd = RandomHex(4);
  const uint64_t r = std::stoull(rnd, nullptr, 16);
  std::string out;
  uint64_t v = n;
  do {
    out.push_back(kAlphabet[v & 63]);
    v >>= 6;
  } while (v != 0);
  out.push_back('.');
  for (int i = 0; i < 6; ++i) out.push_back(kAlphabet[(r >> (6 * i)) & 63]);
  return out;
}

std::string PresenceTable::Track(const std::string& key, std::string name, int64_t online_at,
                                 std::string* diff) {
  Meta m{std::move(name), online_at, NewPhxRef()};
  *diff = OneMetaDiff(key, m, true);
  std::string ref = m.phx_ref;
  by_key_[key].push_back(std::move(m));
  return ref;
}

bool PresenceTable::Untrack(const std::string& key, std::string_view phx_ref, std::string* diff) {
  auto it = by_key_.find(key);
  if (it == by_key_.end()) return false;
  auto& metas = it->second;
  for (auto m = metas.begin(); m != metas.end(); ++m) {
    if (m->phx_ref != phx_ref) continue;
    *diff = OneMetaDiff(key, *m, false);
    metas.erase(m);
    if (metas.empty()) by_key_.erase(it);
    return true;
  }
  return false;
}

std::string PresenceTable::StateJson() const {
  std::string out = "{";
  bool first_key = true;
  for (const auto& [key, metas] : by_key_) {
    if (!first_key) out.push_back(',');
    first_key = false;
    AppendJsonString(&out, key);
    out.append(":{\"metas\":[");
    for (size_t i = 0; i < metas.size(); ++i) {
      if (i > 0) out.push_back(',');
      AppendMeta(&out, metas[i]);
    }
    out.append("]}");
  }
  out.push_back('}');
  return out;
}

PresenceTable& PresenceTable::Of(rooms::Room& room) {
  if (auto* table = dynamic_cast<PresenceTable*>(room.attachment())) return *table;
  auto table = std::make_unique<PresenceTable>();
  PresenceTable& ref = *table;
  room.set_attachment(std::move(table));
  return ref;
}

}  // namespace confab::channels
