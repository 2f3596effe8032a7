#include "net/address_counts.hpp"

#include <cstring>

namespace confab::net {

// A map value: its address (node-based map, so the pointer stays valid while others come and go).
struct AddressCounts::Entry {
  Shard* shard = nullptr;
  Key key{};
  uint32_t count = 0;
};

struct AddressCounts::Shard {
  std::mutex mu;
  std::unordered_map<Key, Entry, KeyHash> entries;
};

AddressCounts::AddressCounts() {
  for (auto& s : shards_) s = std::make_unique<Shard>();
}

AddressCounts::~AddressCounts() = default;

size_t AddressCounts::KeyHash::operator()(const Key& k) const {
  uint64_t a, b;
  std::memcpy(&a, k.data(), 8);
  std::memcpy(&b, k.data() + 8, 8);
  // Mixes both halves (IPv4 addresses differ only in the second); good enough for a hash map.
  uint64_t h = a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull + (a << 6) + (a >> 2));
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  return static_cast<size_t>(h ^ (h >> 32));
}

AddressCounts::Key AddressCounts::KeyOf(const boost::asio::ip::address& address) {
  if (address.is_v6()) return address.to_v6().to_bytes();
  return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
}

AddressCounts::Shard& AddressCounts::ShardOf(const Key& key) const {
  return *shards_[KeyHash{}(key) % kShards];
}

AddressCounts::Entry* AddressCounts::Acquire(const boost::asio::ip::address& address) {
  const Key key = KeyOf(address);
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  Entry& e = shard.entries[key];
  if (e.count >= limit_) {
    if (e.count == 0) shard.entries.erase(key);  // limit 0: nothing may open (callers check enabled())
    return nullptr;
  }
  if (e.count == 0) {
    // Written only while nobody holds the entry: Release and Counts read them without the lock, and
    // every later holder got the entry through this mutex, so it sees these writes.
    e.shard = &shard;
    e.key = key;
  }
  ++e.count;
  return &e;
}

void AddressCounts::Release(Entry* entry) {
  if (!entry) return;
  Shard& shard = *entry->shard;
  std::lock_guard lock(shard.mu);
  if (--entry->count == 0) {
    const Key key = entry->key;  // erase destroys the entry
    shard.entries.erase(key);
  }
}

bool AddressCounts::Counts(const Entry* entry, const boost::asio::ip::address& address) {
  return entry && entry->key == KeyOf(address);  // the key never changes while the entry is held
}

uint32_t AddressCounts::Count(const boost::asio::ip::address& address) const {
  const Key key = KeyOf(address);
  Shard& shard = ShardOf(key);
  std::lock_guard lock(shard.mu);
  auto it = shard.entries.find(key);
  return it == shard.entries.end() ? 0 : it->second.count;
}

}  // namespace confab::net
