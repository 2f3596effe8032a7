#pragma once
// Client side of RFC 6455 framing, just enough for a load generator: the upgrade request, the upgrade
// response check, masked client frames, and incremental parsing of unmasked server frames.
// Stateless functions; safe from any thread.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace confab::bench {

enum class WsOpcode : uint8_t {
  kContinuation = 0,
  kText = 1,
  kBinary = 2,
  kClose = 8,
  kPing = 9,
  kPong = 10,
};

// The HTTP/1.1 GET that asks `host` to upgrade `target` to a WebSocket. No extensions are offered, so
// the server must not compress (a permessage-deflate reply would be a protocol error for us).
std::string WsUpgradeRequest(std::string_view host, std::string_view target);

enum class WsHandshake { kIncomplete, kAccepted, kRejected };
// Looks at the bytes received so far. kAccepted/kRejected set *header_len to the length of the whole
// response head (up to and including the blank line); frames may follow it in the same read.
WsHandshake ParseWsUpgradeResponse(std::string_view in, size_t* header_len);

// Appends one complete (FIN) client frame. Clients must mask (RFC 6455 §5.3); the key need not be
// unpredictable here because no proxy sits between us and the server.
void AppendWsClientFrame(std::string* out, WsOpcode op, std::string_view payload, uint32_t mask_key);

struct WsFrame {
  WsOpcode opcode = WsOpcode::kText;
  bool fin = true;
  std::string_view payload;  // points into the parsed buffer
};

// Parses one server frame at the start of `in`. Returns the bytes it spans, 0 when `in` holds only part
// of a frame, or -1 on a protocol error (masked server frame, reserved bits, bad length).
long ParseWsServerFrame(std::string_view in, WsFrame* out);

}  // namespace confab::bench
