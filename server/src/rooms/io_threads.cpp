#include "rooms/io_threads.hpp"

#include <functional>

namespace confab::rooms {

size_t IoThreads::HomeOf(std::string_view meeting_id) const {
  if (contexts_.size() == 1) return 0;
  return std::hash<std::string_view>{}(meeting_id) % contexts_.size();
}

size_t IoThreads::Current() const {
  for (size_t i = 0; i < contexts_.size(); ++i) {
    if (contexts_[i]->get_executor().running_in_this_thread()) return i;
  }
  return kNone;
}

}  // namespace confab::rooms
