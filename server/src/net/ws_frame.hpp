#pragma once
// RFC 6455 framing for the server side of a WebSocket, with no sockets: what WebSocketSession puts on
// and takes off the wire after Beast has done the HTTP upgrade.
//
// Server frames are never masked and never fragmented, so a frame is a header (2, 4 or 10 bytes) in
// front of payload bytes that can be shared by every subscriber of a broadcast.
//
// Client frames go through FrameParser, which fails the connection (RFC 6455 §7.1.7) with:
//   1002 unmasked frame, reserved bits set, unknown opcode, control frame over 125 bytes or fragmented,
//        continuation without a message, new message inside a fragmented one, bad close payload;
//   1009 a message (all its fragments) over the size limit;
//   1007 a text message that is not valid UTF-8.
// UTF-8 is checked here, not left to the channel layer: RFC 6455 §8.1 requires it of the endpoint, the
// check is one pass over bytes that are about to be parsed as JSON anyway, and a client gets the code
// that names the fault (1007) instead of a generic "malformed frame" (1008).
// Threading: a FrameParser belongs to one connection; the functions are pure.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace confab::net::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes used by the server (RFC 6455 §7.4.1).
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseNoStatus = 1005;  // received only: a close frame without a code
inline constexpr uint16_t kCloseInvalidPayload = 1007;
inline constexpr uint16_t kCloseTooBig = 1009;
inline constexpr uint16_t kCloseTryAgainLater = 1013;

inline constexpr size_t kMaxHeaderBytes = 10;      // server frames: no mask key
inline constexpr size_t kMaxControlPayload = 125;  // RFC 6455 §5.5

// Writes the header of one final, unmasked frame carrying `payload_size` bytes into `out` (room for
// kMaxHeaderBytes) and returns its length: 2 (≤ 125), 4 (≤ 65535) or 10 bytes.
size_t EncodeHeader(Opcode opcode, uint64_t payload_size, uint8_t* out);

// A whole server close frame: the code, then `reason` cut to what fits in a control frame (at a UTF-8
// character boundary).
std::string EncodeClose(uint16_t code, std::string_view reason);

// A whole server control frame (ping/pong) with `payload` (≤ 125 bytes; longer is cut).
std::string EncodeControl(Opcode opcode, std::string_view payload);

// True for a close code a peer may send (RFC 6455 §7.4.1-2): 1000-1003, 1007-1011, 3000-4999.
bool IsValidCloseCode(uint16_t code);

// Incremental parser of client frames. Feed it whatever the socket returned; it yields one event at
// a time. Payloads of complete single-frame messages are unmasked in place in the caller's buffer
// and returned as views into it (no copy); fragmented messages and frames split across reads are
// copied into the parser's own buffer, which is released once the message has been handed out.
class FrameParser {
 public:
  struct Event {
    enum Kind {
      kNeedMore,  // every byte consumed; feed more
      kMessage,   // a complete text or binary message: `text`, `payload`
      kPing,      // answer with a pong carrying `payload`
      kPong,      // nothing to do
      kClose,     // the peer's close frame: `code` (kCloseNoStatus when absent), `payload` = reason
      kError,     // the connection must fail with close `code`; `payload` says why (for logs)
    };
    Kind kind = kNeedMore;
    bool text = false;
    uint16_t code = 0;
    std::string_view payload;
  };

  explicit FrameParser(size_t max_message_bytes)
      : max_message_bytes_(static_cast<uint32_t>(std::min<size_t>(max_message_bytes, UINT32_MAX))) {}

  // Consumes bytes from the front of `*data`/`*size` (advancing them) up to the next event. Views in
  // the event stay valid until the next call or until the caller's buffer is reused. After kClose or
  // kError the parser is finished: every later call returns the same event kind and consumes all input.
  Event Next(char** data, size_t* size);

  // True when no frame or message is partly received (nothing is buffered).
  bool idle() const {
    return state_ == State::kHeader && header_len_ == 0 && !in_message_ &&
           (release_message_ || !partial_ || partial_->message.empty());
  }

 private:
  enum class State : uint8_t { kHeader, kPayload, kDone };

  Event Fail(uint16_t code, std::string_view why);
  // Validates the header in header_ (complete) and sets up the frame; an error event, or kNeedMore.
  Event StartFrame();
  // The frame whose payload is complete (in `payload`, unmasked) becomes an event.
  Event FinishFrame(std::string_view payload);

  uint32_t max_message_bytes_;  // 32 bits: this object is part of every open socket
  State state_ = State::kHeader;
  uint8_t header_[14];
  uint8_t header_len_ = 0;
  // The frame being read.
  Opcode opcode_ = Opcode::kContinuation;
  bool fin_ = false;
  uint8_t mask_[4];
  uint8_t mask_offset_ = 0;  // payload bytes received so far, mod 4
  // The message being reassembled.
  bool in_message_ = false;  // a text/binary frame without FIN was received
  bool message_text_ = false;
  bool release_message_ = false;  // the message was handed out: clear it on the next call
  bool release_control_ = false;  // likewise the control frame
  uint64_t frame_left_ = 0;       // payload bytes of the frame not yet received
  // What did not arrive whole in one read; allocated only then, so an idle parser holds 8 bytes.
  struct Partial {
    std::string message;  // data frames of the message, unmasked
    std::string control;  // a control frame split across reads (≤ 125 bytes)
  };
  std::unique_ptr<Partial> partial_;
  Event done_;  // what every call returns once finished
  // The partial message so far ("" when none).
  std::string_view message() const {
    return partial_ ? std::string_view(partial_->message) : std::string_view();
  }
  // Frees what was handed out; the whole buffer once neither part holds anything.
  void Release(bool message_part, bool control_part);
};

}  // namespace confab::net::ws
