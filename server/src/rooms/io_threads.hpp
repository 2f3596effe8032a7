#pragma once
// IoThreads: the server's io threads, one io_context each. A room lives on exactly one of them (its
// home, chosen by the meeting id) and owns its state there without locks; a connection lives on
// the thread its socket was accepted onto. Work crosses threads only by posting, and posts from one
// thread to another run in the order they were posted — the ordering rooms rely on (a join reply
// before the broadcasts that follow it).
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace confab::rooms {

class IoThreads {
 public:
  static constexpr size_t kNone = static_cast<size_t>(-1);

  explicit IoThreads(std::vector<boost::asio::io_context*> contexts) : contexts_(std::move(contexts)) {}
  // One io_context (tests, single-threaded tools).
  explicit IoThreads(boost::asio::io_context& io) : contexts_{&io} {}

  size_t size() const { return contexts_.size(); }
  boost::asio::io_context& at(size_t i) const { return *contexts_[i]; }
  // The thread a meeting's room lives on.
  size_t HomeOf(std::string_view meeting_id) const;
  // The index of the io thread running the caller, kNone when it is not one of ours.
  size_t Current() const;

 private:
  std::vector<boost::asio::io_context*> contexts_;
};

// Runs `fn` now when the caller is on `io`'s thread, else posts it there. Work for one thread must
// always take this path (never "sometimes direct, sometimes posted" from the same thread), so that
// it keeps its order.
template <typename Fn>
void RunOn(boost::asio::io_context& io, Fn&& fn) {
  if (io.get_executor().running_in_this_thread()) {
    fn();
  } else {
    boost::asio::post(io, std::forward<Fn>(fn));
  }
}

}  // namespace confab::rooms
