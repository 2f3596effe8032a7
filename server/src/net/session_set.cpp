#include <boost/asio/post.hpp>
#include <string>
#include <vector>

#include "net/server_context.hpp"

namespace confab::net {

void SessionSet::Add(const std::shared_ptr<WebSocketSession>& s) {
  std::lock_guard lock(mu_);
  sessions_.emplace(s.get(), s);
}

void SessionSet::Remove(WebSocketSession* s) {
  std::lock_guard lock(mu_);
  sessions_.erase(s);
}

void SessionSet::CloseAll(uint16_t code, std::string_view reason) {
  std::vector<std::shared_ptr<WebSocketSession>> open;
  {
    std::lock_guard lock(mu_);
    for (auto& [raw, weak] : sessions_) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) {
    boost::asio::post(s->executor(), [s, code, reason = std::string(reason)] { s->Close(code, reason); });
  }
}

size_t SessionSet::size() const {
  std::lock_guard lock(mu_);
  return sessions_.size();
}

}  // namespace confab::net
