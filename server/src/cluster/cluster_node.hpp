#pragma once
// ClusterNode: this process as one node of a Confab cluster (docs/cluster.md).
//
// Every node shares the PostgreSQL log; the bus only makes news travel fast:
//   * each loaded room subscribes to its meeting's subject (cluster/room_link.hpp): events the room
//     commits go out, events other nodes commit come in and are folded, presence is exchanged;
//   * every node says it is alive once a second on the nodes subject; a node not heard for
//     kNodeTimeout is dead and its members leave every presence list here;
//   * after the bus reconnects, every room re-reads the log and presence is exchanged again, since
//     messages may have been lost meanwhile.
//
// Threading: liveness lives on one io thread (`io`); rooms' parts on their rooms' threads; bus
// handlers only decode and post. Start before the io threads run; Stop on the io thread.
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "cluster/bus.hpp"
#include "cluster/envelope.hpp"
#include "rooms/room_registry.hpp"
#include "util/status.hpp"

namespace confab::cluster {

inline constexpr std::chrono::milliseconds kHeartbeatEvery{1000};
inline constexpr std::chrono::milliseconds kNodeTimeout{3500};

class ClusterNode {
 public:
  // `bus` and `rooms` must outlive this object.
  ClusterNode(Bus& bus, rooms::RoomRegistry& rooms, std::string node_id, boost::asio::io_context& io);
  ~ClusterNode();
  ClusterNode(const ClusterNode&) = delete;
  ClusterNode& operator=(const ClusterNode&) = delete;

  // Hooks every room loaded from now on to the bus, listens for other nodes and starts heartbeats.
  Status Start();
  // Tells the other nodes this one is going (they drop its members at once) and stops heartbeats.
  void Stop();

  Bus& bus() { return bus_; }
  // "NODE/BOOT": who this process is on the bus.
  const std::string& origin() const { return origin_; }
  // A message from another origin was heard (called on any thread).
  void Heard(const std::string& origin);
  // Other nodes heard from within kNodeTimeout (safe from any thread).
  size_t peers() const { return peers_.load(std::memory_order_relaxed); }
  // Prometheus lines: bus connected, peers.
  std::string Metrics() const;

 private:
  void OnNodes(const Envelope& e);  // on io_
  void Beat();
  void Drop(const std::string& origin);

  Bus& bus_;
  rooms::RoomRegistry& rooms_;
  const std::string node_id_;
  const std::string origin_;
  boost::asio::io_context& io_;
  std::unique_ptr<Subscription> nodes_sub_;
  // io_ thread only.
  std::map<std::string, std::chrono::steady_clock::time_point> last_heard_;  // by origin
  std::unique_ptr<boost::asio::steady_timer> timer_;
  bool stopped_ = false;
  std::atomic<size_t> peers_{0};
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace confab::cluster
