#pragma once
// What one socket may do: every per-connection limit in one place (docs/protocol.md lists them).
// Frame size limits live with the codec (channels/frame.hpp).
#include <cstddef>

namespace confab::channels {

// Token bucket per socket over every message but heartbeats: sustained rate and burst.
inline constexpr double kRatePerSecond = 20;
inline constexpr double kRateBurst = 40;
// Topics one socket may have joined at once (Phoenix's default max_channels_per_transport).
inline constexpr size_t kMaxChannelsPerConnection = 100;
inline constexpr size_t kMaxMeetingIdLength = 64;
inline constexpr size_t kMaxEventIdLength = 64;

}  // namespace confab::channels
