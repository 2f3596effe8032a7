#include "cluster/cluster_node.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "cluster/room_link.hpp"
#include "util/crypto.hpp"

namespace confab::cluster {

ClusterNode::ClusterNode(Bus& bus, rooms::RoomRegistry& rooms, std::string node_id,
                         boost::asio::io_context& io)
    : bus_(bus),
      rooms_(rooms),
      node_id_(std::move(node_id)),
      origin_(node_id_ + "/" + RandomHex(6)),
      io_(io),
      timer_(std::make_unique<boost::asio::steady_timer>(io)) {}

ClusterNode::~ClusterNode() {
  alive_.reset();
  nodes_sub_.reset();
}

Status ClusterNode::Start() {
  rooms_.set_on_loaded([this](rooms::Room& room) { RoomLink::Attach(*this, room); });
  bus_.set_on_reconnected([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    spdlog::info("cluster: bus reconnected; rooms re-read the log and exchange presence again");
    rooms_.ForEachLoaded([](rooms::Room& room) {
      if (RoomLink* link = RoomLink::Of(room)) link->Resync();
    });
  });
  Status s = bus_.Subscribe(
      std::string(kNodesSubject),
      [this, alive = std::weak_ptr<bool>(alive_)](std::string_view, std::string_view data) {
        std::optional<Envelope> e = Decode(data);
        if (!e || e->origin == origin_) return;
        boost::asio::post(io_, [this, alive, e = std::move(*e)] {
          if (!alive.expired()) OnNodes(e);
        });
      },
      &nodes_sub_);
  if (!s.ok()) return s;
  spdlog::info("cluster: node {} on {} (origin {})", node_id_, bus_.Describe(), origin_);
  boost::asio::post(io_, [this] { Beat(); });
  return Status::Ok();
}

void ClusterNode::Stop() {
  if (stopped_) return;
  stopped_ = true;
  timer_->cancel();
  Envelope bye;
  bye.kind = Kind::kBye;
  bye.origin = origin_;
  bus_.Publish(kNodesSubject, Encode(bye));
}

void ClusterNode::Heard(const std::string& origin) {
  boost::asio::post(io_, [this, alive = std::weak_ptr<bool>(alive_), origin] {
    if (alive.expired()) return;
    Envelope e;
    e.kind = Kind::kHeartbeat;
    e.origin = origin;
    OnNodes(e);
  });
}

void ClusterNode::OnNodes(const Envelope& e) {
  if (e.kind == Kind::kBye) {
    if (last_heard_.erase(e.origin) > 0) Drop(e.origin);
    peers_.store(last_heard_.size(), std::memory_order_relaxed);
    return;
  }
  auto [it, fresh] = last_heard_.try_emplace(e.origin);
  it->second = std::chrono::steady_clock::now();
  peers_.store(last_heard_.size(), std::memory_order_relaxed);
  if (!fresh) return;
  spdlog::info("cluster: node {} is up", e.origin);
  // The same node under a new boot: its previous life is over.
  const std::string node = e.origin.substr(0, e.origin.find('/'));
  for (auto other = last_heard_.begin(); other != last_heard_.end();) {
    if (other->first != e.origin && other->first.substr(0, other->first.find('/')) == node) {
      std::string gone = other->first;
      other = last_heard_.erase(other);
      peers_.store(last_heard_.size(), std::memory_order_relaxed);
      Drop(gone);
    } else {
      ++other;
    }
  }
}

void ClusterNode::Beat() {
  if (stopped_) return;
  Envelope hb;
  hb.kind = Kind::kHeartbeat;
  hb.origin = origin_;
  bus_.Publish(kNodesSubject, Encode(hb));
  const auto now = std::chrono::steady_clock::now();
  for (auto it = last_heard_.begin(); it != last_heard_.end();) {
    if (now - it->second > kNodeTimeout) {
      std::string gone = it->first;
      it = last_heard_.erase(it);
      Drop(gone);
    } else {
      ++it;
    }
  }
  peers_.store(last_heard_.size(), std::memory_order_relaxed);
  timer_->expires_after(kHeartbeatEvery);
  timer_->async_wait([this, alive = std::weak_ptr<bool>(alive_)](const boost::system::error_code& ec) {
    if (!ec && !alive.expired()) Beat();
  });
}

std::string ClusterNode::Metrics() const {
  return fmt::format(
      "# HELP confab_bus_connected 1 while the cluster bus (NATS) is connected\n# TYPE confab_bus_connected "
      "gauge\n"
      "confab_bus_connected {}\n"
      "# HELP confab_cluster_peers Other nodes heard from recently\n# TYPE confab_cluster_peers gauge\n"
      "confab_cluster_peers {}\n",
      bus_.connected() ? 1 : 0, peers());
}

void ClusterNode::Drop(const std::string& origin) {
  spdlog::info("cluster: node {} is gone; its members leave", origin);
  rooms_.ForEachLoaded([origin](rooms::Room& room) {
    if (RoomLink* link = RoomLink::Of(room)) link->DropOrigin(origin);
  });
}

}  // namespace confab::cluster
