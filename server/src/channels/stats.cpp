#include "channels/stats.hpp"

namespace confab::channels {

ChannelStats& Stats() {
  static ChannelStats stats;
  return stats;
}

}  // namespace confab::channels
