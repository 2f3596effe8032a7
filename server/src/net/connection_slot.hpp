#pragma once
// ConnectionSlot: one connection's claim on the server's limits: its place under the descriptor cap
// (AcceptGate) and its count under its client address (AddressCounts). Taken by the listener at
// accept, moved from the HttpSession to the WebSocketSession on upgrade, given back when the last
// owner goes (which may wake a listener paused at the cap). 16 bytes.
#include <utility>

#include "net/accept_gate.hpp"
#include "net/address_counts.hpp"

namespace confab::net {

class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  explicit ConnectionSlot(AcceptGate* gate) : gate_(gate) {}
  ConnectionSlot(ConnectionSlot&& o) noexcept
      : gate_(std::exchange(o.gate_, nullptr)), address_(std::exchange(o.address_, nullptr)) {}
  ConnectionSlot& operator=(ConnectionSlot&& o) noexcept {
    if (this != &o) {
      Release();
      gate_ = std::exchange(o.gate_, nullptr);
      address_ = std::exchange(o.address_, nullptr);
    }
    return *this;
  }
  ~ConnectionSlot() { Release(); }

  // The address this connection counts under (null: none); the previous one is given back.
  void set_address(AddressCounts::Entry* entry) {
    AddressCounts::Release(address_);
    address_ = entry;
  }
  const AddressCounts::Entry* address() const { return address_; }

 private:
  void Release() {
    AddressCounts::Release(std::exchange(address_, nullptr));
    if (AcceptGate* g = std::exchange(gate_, nullptr)) g->Closed();
  }

  AcceptGate* gate_ = nullptr;
  AddressCounts::Entry* address_ = nullptr;
};

}  // namespace confab::net
