#include "net/ws_frame.hpp"

#include <algorithm>
#include <cstring>

#include "util/utf8.hpp"

namespace confab::net::ws {
namespace {

bool IsControl(Opcode op) {
  return static_cast<uint8_t>(op) & 0x8;
}

bool IsKnown(uint8_t op) {
  return op <= 0x2 || (op >= 0x8 && op <= 0xA);
}

// XORs `n` payload bytes that start `offset` bytes into the frame's payload with the mask key.
void Unmask(char* p, size_t n, const uint8_t mask[4], uint8_t offset) {
  for (size_t i = 0; i < n; ++i) p[i] = static_cast<char>(p[i] ^ mask[(offset + i) & 3]);
}

}  // namespace

size_t EncodeHeader(Opcode opcode, uint64_t payload_size, uint8_t* out) {
  out[0] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(opcode));
  if (payload_size <= 125) {
    out[1] = static_cast<uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(payload_size >> 8);
    out[3] = static_cast<uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<uint8_t>(payload_size >> (56 - 8 * i));
  return 10;
}

std::string EncodeControl(Opcode opcode, std::string_view payload) {
  payload = payload.substr(0, kMaxControlPayload);
  uint8_t header[kMaxHeaderBytes];
  const size_t n = EncodeHeader(opcode, payload.size(), header);
  std::string frame(reinterpret_cast<const char*>(header), n);
  frame.append(payload);
  return frame;
}

std::string EncodeClose(uint16_t code, std::string_view reason) {
  if (reason.size() > kMaxControlPayload - 2) {
    size_t cut = kMaxControlPayload - 2;
    // Never split a character: back off over continuation bytes (10xxxxxx).
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return EncodeControl(Opcode::kClose, payload);
}

bool IsValidCloseCode(uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

FrameParser::Event FrameParser::Fail(uint16_t code, std::string_view why) {
  state_ = State::kDone;
  in_message_ = false;
  partial_.reset();
  done_ = Event{Event::kError, false, code, why};  // `why` is always a literal
  return done_;
}

FrameParser::Event FrameParser::Next(char** data, size_t* size) {
  if (state_ == State::kDone) {
    *data += *size;
    *size = 0;
    Event e = done_;
    if (e.kind == Event::kClose) e.payload = {};  // the reason was a view into an earlier read
    return e;
  }
  // What the previous call handed out is no longer referenced: an idle socket keeps no buffer.
  if (release_message_ || release_control_) {
    Release(release_message_, release_control_);
    release_message_ = release_control_ = false;
  }

  for (;;) {
    if (state_ == State::kHeader) {
      // 2 bytes say how long the header is: + 0/2/8 length bytes + 4 mask bytes.
      while (header_len_ < 2 && *size > 0) {
        header_[header_len_++] = static_cast<uint8_t>(**data);
        ++*data;
        --*size;
      }
      if (header_len_ < 2) return Event{};
      if ((header_[1] & 0x80) == 0) return Fail(kCloseProtocolError, "unmasked client frame");
      const uint8_t len7 = header_[1] & 0x7F;
      const size_t need = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + 4;
      const size_t take = std::min(need - header_len_, *size);
      std::memcpy(header_ + header_len_, *data, take);
      header_len_ = static_cast<uint8_t>(header_len_ + take);
      *data += take;
      *size -= take;
      if (header_len_ < need) return Event{};
      header_len_ = 0;
      Event e = StartFrame();
      if (e.kind != Event::kNeedMore) return e;
      if (frame_left_ == 0) {
        e = FinishFrame(IsControl(opcode_) ? std::string_view() : message());
        if (e.kind != Event::kNeedMore) return e;
        continue;
      }
    }
    // kPayload
    if (*size == 0) return Event{};
    const size_t n = static_cast<size_t>(std::min<uint64_t>(frame_left_, *size));
    char* p = *data;
    *data += n;
    *size -= n;
    Unmask(p, n, mask_, mask_offset_);
    mask_offset_ = static_cast<uint8_t>((mask_offset_ + n) & 3);
    frame_left_ -= n;
    const bool buffered = partial_ && !(IsControl(opcode_) ? partial_->control : partial_->message).empty();
    if (frame_left_ == 0 && !buffered && (IsControl(opcode_) || (fin_ && !in_message_))) {
      // The whole frame is in this read and is a whole message: hand out the caller's bytes.
      Event e = FinishFrame(std::string_view(p, n));
      if (e.kind != Event::kNeedMore) return e;
      continue;
    }
    if (!partial_) partial_ = std::make_unique<Partial>();
    std::string& buffer = IsControl(opcode_) ? partial_->control : partial_->message;
    buffer.append(p, n);
    if (frame_left_ > 0) return Event{};
    Event e = FinishFrame(buffer);
    if (e.kind != Event::kNeedMore) return e;
  }
}

void FrameParser::Release(bool message_part, bool control_part) {
  if (!partial_) return;
  if (message_part) std::string().swap(partial_->message);
  if (control_part) std::string().swap(partial_->control);
  if (partial_->message.empty() && partial_->control.empty()) partial_.reset();
}

FrameParser::Event FrameParser::StartFrame() {
  const uint8_t b0 = header_[0];
  const uint8_t b1 = header_[1];
  if (b0 & 0x70) return Fail(kCloseProtocolError, "reserved bits set");
  const uint8_t op = b0 & 0x0F;
  if (!IsKnown(op)) return Fail(kCloseProtocolError, "unknown opcode");
  const bool fin = b0 & 0x80;
  const uint8_t len7 = b1 & 0x7F;
  uint64_t len = len7;
  const uint8_t* mask = header_ + 2;
  if (len7 == 126) {
    len = (uint64_t{header_[2]} << 8) | header_[3];
    if (len < 126) return Fail(kCloseProtocolError, "length not minimally encoded");
    mask = header_ + 4;
  } else if (len7 == 127) {
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | header_[2 + i];
    if (len >> 63) return Fail(kCloseProtocolError, "length over 2^63");
    if (len <= 0xFFFF) return Fail(kCloseProtocolError, "length not minimally encoded");
    mask = header_ + 10;
  }
  const auto opcode = static_cast<Opcode>(op);
  if (IsControl(opcode)) {
    if (!fin) return Fail(kCloseProtocolError, "fragmented control frame");
    if (len > kMaxControlPayload) return Fail(kCloseProtocolError, "control frame over 125 bytes");
  } else {
    if (opcode == Opcode::kContinuation) {
      if (!in_message_) return Fail(kCloseProtocolError, "continuation without a message");
    } else if (in_message_) {
      return Fail(kCloseProtocolError, "new message inside a fragmented one");
    }
    if (len > max_message_bytes_ || message().size() > max_message_bytes_ - len) {
      return Fail(kCloseTooBig, "message too big");
    }
    if (opcode != Opcode::kContinuation) {
      message_text_ = opcode == Opcode::kText;
      in_message_ = !fin;
    }
  }
  opcode_ = opcode;
  fin_ = fin;
  std::memcpy(mask_, mask, 4);
  mask_offset_ = 0;
  frame_left_ = len;
  state_ = State::kPayload;
  return Event{};
}

FrameParser::Event FrameParser::FinishFrame(std::string_view payload) {
  state_ = State::kHeader;
  if (IsControl(opcode_)) release_control_ = true;
  switch (opcode_) {
    case Opcode::kPing:
      return Event{Event::kPing, false, 0, payload};
    case Opcode::kPong:
      return Event{Event::kPong, false, 0, payload};
    case Opcode::kClose: {
      if (payload.size() == 1) return Fail(kCloseProtocolError, "close payload of 1 byte");
      uint16_t code = kCloseNoStatus;
      std::string_view reason;
      if (payload.size() >= 2) {
        code =
            static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]));
        if (!IsValidCloseCode(code)) return Fail(kCloseProtocolError, "invalid close code");
        reason = payload.substr(2);
        if (!IsValidUtf8(reason)) return Fail(kCloseInvalidPayload, "close reason is not UTF-8");
      }
      state_ = State::kDone;
      in_message_ = false;
      done_ = Event{Event::kClose, false, code, {}};
      return Event{Event::kClose, false, code, reason};
    }
    default:
      break;
  }
  if (!fin_) return Event{};  // more fragments follow
  in_message_ = false;
  release_message_ = true;
  if (message_text_ && !IsValidUtf8(payload)) return Fail(kCloseInvalidPayload, "text message is not UTF-8");
  return Event{Event::kMessage, message_text_, 0, payload};
}

}  // namespace confab::net::ws
