#pragma once
// The rules of the WebSocket upgrade at /socket/websocket (PHOENIX-PROTOCOL.md §1.2, §6.5, §9.12).
// Pure functions, so they are tested without a socket.
#include <map>
#include <string>
#include <string_view>

namespace confab::net {

// True when the query names a V2 serializer (vsn=2.x). Phoenix treats a missing vsn as 1.0.0, and
// only V2 JSON is spoken here, so a missing or other vsn is refused (HTTP 403).
bool IsSupportedVsn(const std::map<std::string, std::string>& query);

// True when a Sec-WebSocket-Protocol header offers `phoenix` (a comma-separated list; browsers put
// a space after the comma, Node `ws` does not). The answer then names `phoenix` and nothing else:
// the `base64url.bearer.phx.*` token entry is never echoed.
bool OffersPhoenixSubprotocol(std::string_view header);

}  // namespace confab::net
