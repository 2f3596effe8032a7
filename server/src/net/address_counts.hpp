#pragma once
// AddressCounts: open connections per client address, across every io thread, against
// Quotas::connections_per_address (docs/operations.md § Quotas and limits).
//
// A connection holds an Entry* for as long as it is open (16 bytes in its ConnectionSlot, not a copy
// of the address). The map is split into shards, each with its own mutex, so io threads accepting
// from different addresses rarely meet; a lock is taken once when a connection opens and once when it
// closes, never per message. An address's entry goes when its last connection does: the map holds
// only addresses with something open.
// Threading: any thread.
#include <array>
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace confab::net {

class AddressCounts {
 public:
  struct Entry;

  AddressCounts();
  ~AddressCounts();
  AddressCounts(const AddressCounts&) = delete;
  AddressCounts& operator=(const AddressCounts&) = delete;

  // Before the first connection. 0 turns counting off.
  void set_limit(uint32_t limit) { limit_ = limit; }
  uint32_t limit() const { return limit_; }
  bool enabled() const { return limit_ != 0; }

  // Counts one more connection of `address`; null (and nothing counted) when it already has `limit`
  // open. Only while enabled().
  Entry* Acquire(const boost::asio::ip::address& address);
  // The connection of `entry` closed (null: no-op).
  static void Release(Entry* entry);
  // Whether `entry` counts `address` (a proxied connection whose client changed between requests).
  static bool Counts(const Entry* entry, const boost::asio::ip::address& address);
  // Open connections of `address` (tests, logs).
  uint32_t Count(const boost::asio::ip::address& address) const;

 private:
  using Key = std::array<unsigned char, 16>;  // IPv6, IPv4 as v4-mapped
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  struct Shard;
  static constexpr size_t kShards = 16;

  static Key KeyOf(const boost::asio::ip::address& address);
  Shard& ShardOf(const Key& key) const;

  uint32_t limit_ = 0;
  std::array<std::unique_ptr<Shard>, kShards> shards_;
};

}  // namespace confab::net
