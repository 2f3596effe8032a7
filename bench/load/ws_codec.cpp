#include "ws_codec.hpp"

#include <cstring>

namespace confab::bench {

std::string WsUpgradeRequest(std::string_view host, std::string_view target) {
  std::string r;
  r.reserve(256);
  r.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  // A fixed key is fine: the accept hash only proves the server speaks WebSocket, which the 101 does too.
  r.append(
      "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  return r;
}

WsHandshake ParseWsUpgradeResponse(std::string_view in, size_t* header_len) {
  size_t end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) return WsHandshake::kIncomplete;
  *header_len = end + 4;
  std::string_view status_line = in.substr(0, in.find("\r\n"));
  // "HTTP/1.1 101 Switching Protocols"
  size_t sp = status_line.find(' ');
  if (sp == std::string_view::npos || status_line.substr(sp + 1, 3) != "101") return WsHandshake::kRejected;
  return WsHandshake::kAccepted;
}

void AppendWsClientFrame(std::string* out, WsOpcode op, std::string_view payload, uint32_t mask_key) {
  uint8_t head[14];
  size_t n = 0;
  head[n++] = 0x80 | static_cast<uint8_t>(op);
  uint64_t len = payload.size();
  if (len < 126) {
    head[n++] = 0x80 | static_cast<uint8_t>(len);
  } else if (len <= 0xFFFF) {
    head[n++] = 0x80 | 126;
    head[n++] = static_cast<uint8_t>(len >> 8);
    head[n++] = static_cast<uint8_t>(len);
  } else {
    head[n++] = 0x80 | 127;
    for (int i = 7; i >= 0; --i) head[n++] = static_cast<uint8_t>(len >> (8 * i));
  }
  uint8_t key[4] = {static_cast<uint8_t>(mask_key >> 24), static_cast<uint8_t>(mask_key >> 16),
                    static_cast<uint8_t>(mask_key >> 8), static_cast<uint8_t>(mask_key)};
  std::memcpy(head + n, key, 4);
  n += 4;
  out->append(reinterpret_cast<const char*>(head), n);
  size_t base = out->size();
  out->append(payload);
  char* p = out->data() + base;
  for (size_t i = 0; i < payload.size(); ++i) p[i] = static_cast<char>(p[i] ^ key[i & 3]);
}

long ParseWsServerFrame(std::string_view in, WsFrame* out) {
  if (in.size() < 2) return 0;
  auto b = reinterpret_cast<const uint8_t*>(in.data());
  if (b[0] & 0x70) return -1;  // RSV bits: no extension was negotiated
  if (b[1] & 0x80) return -1;  // servers must not mask
  uint64_t len = b[1] & 0x7F;
  size_t pos = 2;
  if (len == 126) {
    if (in.size() < 4) return 0;
    len = (uint64_t{b[2]} << 8) | b[3];
    pos = 4;
  } else if (len == 127) {
    if (in.size() < 10) return 0;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
    pos = 10;
    if (len >> 62) return -1;
  }
  uint8_t op = b[0] & 0x0F;
  bool control = op & 0x08;
  if (control && (len > 125 || !(b[0] & 0x80))) return -1;
  if (op > 2 && !control) return -1;
  if (op > 10) return -1;
  if (in.size() - pos < len) return 0;
  out->opcode = static_cast<WsOpcode>(op);
  out->fin = b[0] & 0x80;
  out->payload = in.substr(pos, len);
  return static_cast<long>(pos + len);
}

}  // namespace confab::bench
