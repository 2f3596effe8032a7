// RFC 6455 conformance of our own framing (net/ws_frame.hpp), as a table: the client-to-server cases
// the Autobahn testsuite covers (sections in the row names: 1 framing, 2 ping/pong, 3 reserved bits,
// 4 opcodes, 5 fragmentation, 6 UTF-8, 7 close, 9 limits; plus masking and length encoding, which
// Autobahn's client-side cases assume). Each row is the bytes a client sends and every event the
// parser must give for them, ending in the close the server answers with. WebSocketSession acts on
// these events one for one (websocket_session.cpp Consume): a message goes to the channel layer, a
// ping is answered with a pong, kClose is echoed (1005 "no code" is answered 1000), kError closes the
// connection with its code. Every row is parsed whole, one byte per read, and in reads of 1-7 bytes,
// under the server's own limit (WebSocketOptions::max_message_bytes).
// The fuzz target server/fuzz/ws_frame_fuzzer.cpp checks the same parser against a model of the RFC.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "net/websocket_session.hpp"
#include "net/ws_frame.hpp"

namespace confab::net::ws {
namespace {

using Kind = FrameParser::Event::Kind;

constexpr size_t kLimit = WebSocketOptions{}.max_message_bytes;
static_assert(kLimit == 64 * 1024, "the rows below name 64 KiB");

constexpr uint8_t kFin = 0x80;
constexpr uint8_t kCont = 0x0, kText = 0x1, kBinary = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

// How a frame's length is written: the minimal form (as the RFC requires), or a wider one.
enum class Len { kMinimal, k16, k64 };

// One client frame: `first` = FIN | RSV | opcode, the payload masked with `key` (unmasked when
// `masked` is false).
std::string F(uint8_t first, std::string_view payload, bool masked = true, Len len = Len::kMinimal,
              uint32_t key = 0xA1B2C3D4) {
  std::string f(1, static_cast<char>(first));
  const char mask_bit = masked ? static_cast<char>(0x80) : 0;
  const uint64_t n = payload.size();
  if (len == Len::kMinimal) len = n <= 125 ? Len::kMinimal : n <= 0xFFFF ? Len::k16 : Len::k64;
  if (len == Len::kMinimal) {
    f.push_back(static_cast<char>(mask_bit | static_cast<char>(n)));
  } else if (len == Len::k16) {
    f.push_back(static_cast<char>(mask_bit | 126));
    for (int i = 1; i >= 0; --i) f.push_back(static_cast<char>(n >> (8 * i)));
  } else {
    f.push_back(static_cast<char>(mask_bit | 127));
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(n >> (8 * i)));
  }
  const char k[4] = {static_cast<char>(key >> 24), static_cast<char>(key >> 16), static_cast<char>(key >> 8),
                     static_cast<char>(key)};
  if (masked) f.append(k, 4);
  for (size_t i = 0; i < payload.size(); ++i)
    f.push_back(masked ? static_cast<char>(payload[i] ^ k[i & 3]) : payload[i]);
  return f;
}

// A frame header claiming `n` payload bytes in the 64-bit form, with a mask key and no payload.
std::string Header64(uint8_t first, uint64_t n) {
  std::string f{static_cast<char>(first), static_cast<char>(0x80 | 127)};
  for (int i = 7; i >= 0; --i) f.push_back(static_cast<char>(n >> (8 * i)));
  return f + "\x01\x02\x03\x04";
}

std::string CloseBody(uint16_t code, std::string_view reason = {}) {
  return std::string{static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)} + std::string(reason);
}

// What the parser gives (kError's payload is log text: not compared).
struct Ev {
  Kind kind;
  bool text = false;
  uint16_t code = 0;
  std::string payload;
  bool operator==(const Ev&) const = default;
};
std::ostream& operator<<(std::ostream& os, const Ev& e) {
  static const char* kNames[] = {"need_more", "message", "ping", "pong", "close", "error"};
  os << kNames[e.kind];
  if (e.kind == Kind::kMessage) os << (e.text ? " text" : " binary");
  if (e.kind == Kind::kClose || e.kind == Kind::kError) os << " " << e.code;
  if (e.kind != Kind::kError)
    os << " '" << (e.payload.size() > 40 ? e.payload.substr(0, 40) + "…" : e.payload) << "'";
  return os << " (" << e.payload.size() << " B)";
}
Ev Text(std::string s) {
  return {Kind::kMessage, true, 0, std::move(s)};
}
Ev Binary(std::string s) {
  return {Kind::kMessage, false, 0, std::move(s)};
}
Ev Ping(std::string s = {}) {
  return {Kind::kPing, false, 0, std::move(s)};
}
Ev Pong(std::string s = {}) {
  return {Kind::kPong, false, 0, std::move(s)};
}
Ev Closed(uint16_t code, std::string reason = {}) {
  return {Kind::kClose, false, code, std::move(reason)};
}
Ev Fail(uint16_t code) {
  return {Kind::kError, false, code, {}};
}

struct Row {
  std::string name;
  std::string wire;
  std::vector<Ev> want;
};
std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.name;
}

// Feeds `wire` in reads of `step` bytes (0: one read; `vary`: step, step+1, … step+6 in turn), each in a
// buffer of its own; after the first kClose/kError, checks the parser stays finished for the rest.
std::vector<Ev> Parse(const std::string& wire, size_t step, bool vary = false) {
  FrameParser parser(kLimit);
  std::vector<Ev> out;
  bool finished = false;
  size_t start = 0, reads = 0;
  do {
    const size_t n = step == 0 ? wire.size() : std::min(step + (vary ? reads % 7 : 0), wire.size() - start);
    ++reads;
    std::string read = wire.substr(start, n);
    start += n;
    char* data = read.data();
    size_t size = read.size();
    for (;;) {
      const auto e = parser.Next(&data, &size);
      if (e.kind == Kind::kNeedMore) {
        EXPECT_EQ(size, 0u);
        break;
      }
      if (finished) {
        EXPECT_EQ(e.kind, out.back().kind) << "a finished parser repeats its end";
        EXPECT_EQ(size, 0u) << "and consumes what follows";
        break;
      }
      out.push_back(
          {e.kind, e.text, e.code, e.kind == Kind::kError ? std::string() : std::string(e.payload)});
      finished = e.kind == Kind::kClose || e.kind == Kind::kError;
    }
  } while (start < wire.size());
  return out;
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

std::vector<Row> Rows() {
  std::vector<Row> rows;
  auto row = [&rows](std::string name, std::string wire, std::vector<Ev> want) {
    rows.push_back({std::move(name), std::move(wire), std::move(want)});
  };
  const std::string k125(125, 'p'), k126(126, 'p');

  // 1. Framing: every length form, text and binary, empty to the limit.
  for (size_t n : {size_t{0}, size_t{1}, size_t{125}, size_t{126}, size_t{127}, size_t{65535}, kLimit}) {
    row("1 text of " + std::to_string(n) + " bytes", F(kFin | kText, std::string(n, '*')),
        {Text(std::string(n, '*'))});
    row("1 binary of " + std::to_string(n) + " bytes", F(kFin | kBinary, std::string(n, '\xFE')),
        {Binary(std::string(n, '\xFE'))});
  }
  row("1 several messages in one read", F(kFin | kText, "a") + F(kFin | kBinary, "b") + F(kFin | kText, ""),
      {Text("a"), Binary("b"), Text("")});

  // 2. Pings and pongs.
  row("2.1 empty ping", F(kFin | kPing, ""), {Ping()});
  row("2.2 ping with text", F(kFin | kPing, "Hello, world!"), {Ping("Hello, world!")});
  const std::string binary("\x00\xFF\xFE\xFD\xFC\xFB\x00\xFF", 8);
  row("2.3 ping with binary", F(kFin | kPing, binary), {Ping(binary)});
  row("2.4 ping of 125 bytes", F(kFin | kPing, k125), {Ping(k125)});
  row("2.5 ping of 126 bytes", F(kFin | kPing, k126), {Fail(kCloseProtocolError)});
  row("2.6 unsolicited pong", F(kFin | kPong, "unsolicited"), {Pong("unsolicited")});
  row("2.7 unsolicited pong, then ping", F(kFin | kPong, "x") + F(kFin | kPing, "y"), {Pong("x"), Ping("y")});
  row("2.10 ten pings", Repeat(F(kFin | kPing, "p"), 10), std::vector<Ev>(10, Ping("p")));
  row("2 pong of 126 bytes", F(kFin | kPong, k126), {Fail(kCloseProtocolError)});
  row("2 close of 126 bytes", F(kFin | kClose, CloseBody(1000, std::string(124, 'r'))),
      {Fail(kCloseProtocolError)});

  // 3. Reserved bits: no extension is ever negotiated, so any RSV bit fails the connection.
  for (uint8_t rsv : {0x40, 0x20, 0x10, 0x70}) {
    const std::string bits = std::to_string(rsv >> 4);
    row("3 RSV " + bits + " on text", F(kFin | rsv | kText, "x"), {Fail(kCloseProtocolError)});
    row("3 RSV " + bits + " after a good message", F(kFin | kText, "ok") + F(kFin | rsv | kText, "x"),
        {Text("ok"), Fail(kCloseProtocolError)});
  }
  row("3.6 RSV on ping", F(kFin | 0x40 | kPing, ""), {Fail(kCloseProtocolError)});
  row("3.7 RSV on close", F(kFin | 0x70 | kClose, ""), {Fail(kCloseProtocolError)});

  // 4. Opcodes: the reserved non-control (3-7) and control (B-F) ones fail the connection.
  for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
    row("4 opcode " + std::to_string(op), F(kFin | op, "x"), {Fail(kCloseProtocolError)});
    row("4 opcode " + std::to_string(op) + " after a message", F(kFin | kText, "ok") + F(kFin | op, ""),
        {Text("ok"), Fail(kCloseProtocolError)});
  }

  // 5. Fragmentation.
  row("5.1 fragmented ping", F(kPing, "a") + F(kFin | kCont, "b"), {Fail(kCloseProtocolError)});
  row("5.2 fragmented pong", F(kPong, "a") + F(kFin | kCont, "b"), {Fail(kCloseProtocolError)});
  row("5.3 text in two fragments", F(kText, "frag") + F(kFin | kCont, "ment"), {Text("fragment")});
  row("5.6 ping between fragments", F(kText, "fr") + F(kFin | kPing, "p") + F(kFin | kCont, "ag"),
      {Ping("p"), Text("frag")});
  row("5.8 pong between fragments", F(kText, "fr") + F(kFin | kPong, "p") + F(kFin | kCont, "ag"),
      {Pong("p"), Text("frag")});
  row("5 pings and pongs between many fragments",
      F(kBinary, "a") + F(kFin | kPing, "1") + F(kCont, "b") + F(kFin | kPong, "2") + F(kCont, "") +
          F(kFin | kPing, "3") + F(kFin | kCont, "c"),
      {Ping("1"), Pong("2"), Ping("3"), Binary("abc")});
  row("5 close between fragments ends it: the message is never delivered",
      F(kText, "fr") + F(kFin | kClose, CloseBody(1000)) + F(kFin | kCont, "ag"), {Closed(1000)});
  row("5.9 continuation without a message (FIN)", F(kFin | kCont, "x") + F(kFin | kText, "ok"),
      {Fail(kCloseProtocolError)});
  row("5.10 continuation without a message (no FIN)", F(kCont, "x"), {Fail(kCloseProtocolError)});
  row("5.12 continuation after a whole message", F(kFin | kText, "ok") + F(kFin | kCont, "x"),
      {Text("ok"), Fail(kCloseProtocolError)});
  row("5.18 text frame inside a fragmented message", F(kText, "a") + F(kFin | kText, "b"),
      {Fail(kCloseProtocolError)});
  row("5 binary frame inside a fragmented text message", F(kText, "a") + F(kFin | kBinary, "b"),
      {Fail(kCloseProtocolError)});
  row("5.19 empty fragments", F(kText, "") + F(kCont, "") + F(kFin | kCont, ""), {Text("")});
  row("5 one byte per fragment", F(kText, "a") + F(kCont, "b") + F(kCont, "c") + F(kFin | kCont, "d"),
      {Text("abcd")});
  row("5 each fragment masked with its own key",
      F(kText, "ab", true, Len::kMinimal, 1) + F(kFin | kCont, "cd", true, Len::kMinimal, 0xFFFFFFFF),
      {Text("abcd")});
  row("5 a second fragmented message after the first",
      F(kText, "a") + F(kFin | kCont, "b") + F(kBinary, "c") + F(kFin | kCont, "d"),
      {Text("ab"), Binary("cd")});

  // 6. UTF-8 in text messages (binary is never checked).
  const std::string kappa = "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xE1\xBD\xB9\xCE\xBC\xCE\xB5";  // κόσμε
  row("6.2 valid UTF-8 in one frame",
      F(kFin | kText, "Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!"),
      {Text("Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!")});
  for (size_t cut = 1; cut < kappa.size(); ++cut) {
    row("6.3 valid UTF-8 split across fragments at byte " + std::to_string(cut),
        F(kText, kappa.substr(0, cut)) + F(kFin | kCont, kappa.substr(cut)), {Text(kappa)});
  }
  row("6.4 valid 4-byte character, one byte per fragment",
      F(kText, "\xF0") + F(kCont, "\x9F") + F(kCont, "\x9A") + F(kFin | kCont, "\x80"),
      {Text("\xF0\x9F\x9A\x80")});
  row("6 boundaries: U+0000, U+007F, U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF",
      F(kFin | kText,
        std::string("\x00\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF", 20)),
      {Text(std::string("\x00\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF0\x90\x80\x80\xF4\x8F\xBF\xBF",
                        20))});
  const std::pair<const char*, std::string> kInvalid[] = {
      {"a lone continuation byte", "\x80"},
      {"overlong '/' (2 bytes)", "\xC0\xAF"},
      {"overlong '/' (3 bytes)", "\xE0\x80\xAF"},
      {"overlong '/' (4 bytes)", "\xF0\x80\x80\xAF"},
      {"surrogate U+D800", "\xED\xA0\x80"},
      {"surrogate U+DFFF", "\xED\xBF\xBF"},
      {"U+110000", "\xF4\x90\x80\x80"},
      {"byte 0xFE", "\xFE"},
      {"byte 0xFF", "\xFF"},
      {"a 4-byte character cut short at the end", "ok\xF0\x9F\x9A"},
      {"a lead byte followed by ASCII", "\xC3(ok"},
  };
  for (const auto& [what, bytes] : kInvalid) {
    row(std::string("6 invalid UTF-8, one frame: ") + what, F(kFin | kText, kappa + bytes),
        {Fail(kCloseInvalidPayload)});
    row(std::string("6 invalid UTF-8, fragmented: ") + what,
        F(kText, kappa) + F(kCont, bytes) + F(kFin | kCont, "tail"), {Fail(kCloseInvalidPayload)});
    row(std::string("6 invalid UTF-8 in binary is fine: ") + what, F(kFin | kBinary, bytes), {Binary(bytes)});
  }
  row("6 a character left unfinished by the last fragment", F(kText, "ok") + F(kFin | kCont, "\xE2\x82"),
      {Fail(kCloseInvalidPayload)});
  row("6 invalid UTF-8 in one message, then nothing else is delivered",
      F(kFin | kText, "\xC0\xAF") + F(kFin | kText, "never"), {Fail(kCloseInvalidPayload)});

  // 7. Close.
  row("7.1 close with no payload", F(kFin | kClose, ""), {Closed(kCloseNoStatus)});
  row("7.1 data after close is ignored", F(kFin | kClose, CloseBody(1000)) + F(kFin | kText, "after"),
      {Closed(1000)});
  row("7.1 ping after close is ignored", F(kFin | kClose, "") + F(kFin | kPing, "x"),
      {Closed(kCloseNoStatus)});
  row("7.3 close payload of 1 byte", F(kFin | kClose, "\x03"), {Fail(kCloseProtocolError)});
  row("7.3 close with code and reason", F(kFin | kClose, CloseBody(1000, "bye")), {Closed(1000, "bye")});
  row("7.3 close with a 123-byte reason", F(kFin | kClose, CloseBody(1000, std::string(123, 'r'))),
      {Closed(1000, std::string(123, 'r'))});
  row("7.5 close reason that is not UTF-8",
      F(kFin | kClose, CloseBody(1000, "\xCE\xBA\xE1\xBD\xB9\xED\xA0\x80")), {Fail(kCloseInvalidPayload)});
  row("7.5 close reason with a character cut short", F(kFin | kClose, CloseBody(1000, "ok\xE2\x82")),
      {Fail(kCloseInvalidPayload)});
  row("7 close reason in UTF-8", F(kFin | kClose, CloseBody(4000, kappa)), {Closed(4000, kappa)});
  // 1012-1014 are registered with IANA (service restart, try again later, bad gateway) and the server
  // itself sends 1013, so a peer may send them too.
  for (uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
    row("7.7 valid close code " + std::to_string(code), F(kFin | kClose, CloseBody(code)), {Closed(code)});
  }
  for (uint16_t code : {0, 1, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    row("7.9 invalid close code " + std::to_string(code), F(kFin | kClose, CloseBody(code)),
        {Fail(kCloseProtocolError)});
  }

  // Masking (RFC 6455 §5.1, §5.3): a server fails a connection on any unmasked client frame.
  row("mask: unmasked text", F(kFin | kText, "hi", false), {Fail(kCloseProtocolError)});
  row("mask: unmasked ping", F(kFin | kPing, "", false), {Fail(kCloseProtocolError)});
  row("mask: unmasked close", F(kFin | kClose, CloseBody(1000), false), {Fail(kCloseProtocolError)});
  row("mask: unmasked fragment after a masked one", F(kText, "a") + F(kFin | kCont, "b", false),
      {Fail(kCloseProtocolError)});
  row("mask: an all-zero key is still a mask", F(kFin | kText, "plain", true, Len::kMinimal, 0),
      {Text("plain")});

  // Length encoding (§5.2): the minimal form MUST be used; 64-bit lengths have the top bit clear.
  row("length: 16-bit form for 125 bytes", F(kFin | kText, k125, true, Len::k16),
      {Fail(kCloseProtocolError)});
  row("length: 16-bit form for 0 bytes", F(kFin | kText, "", true, Len::k16), {Fail(kCloseProtocolError)});
  row("length: 64-bit form for 126 bytes", F(kFin | kText, k126, true, Len::k64),
      {Fail(kCloseProtocolError)});
  row("length: 64-bit form for 65535 bytes", Header64(kFin | kBinary, 65535), {Fail(kCloseProtocolError)});
  row("length: 64-bit with the top bit set", Header64(kFin | kBinary, uint64_t{1} << 63),
      {Fail(kCloseProtocolError)});
  row("length: 64-bit all ones", Header64(kFin | kBinary, ~uint64_t{0}), {Fail(kCloseProtocolError)});
  row("length: 16-bit form on a ping", F(kFin | kPing, "x", true, Len::k16), {Fail(kCloseProtocolError)});

  // 9. Limits: a message (all its fragments) over 64 KiB is refused at the header that passes the
  // limit, before its payload arrives.
  row("9 text of 64 KiB + 1", F(kFin | kText, std::string(kLimit + 1, 'x')), {Fail(kCloseTooBig)});
  row("9 header claiming 4 GiB, no payload", Header64(kFin | kBinary, uint64_t{1} << 32),
      {Fail(kCloseTooBig)});
  row("9 header claiming 2^63 - 1", Header64(kFin | kBinary, (uint64_t{1} << 63) - 1), {Fail(kCloseTooBig)});
  row("9 fragments adding up to 64 KiB",
      F(kText, std::string(kLimit / 2, 'a')) + F(kFin | kCont, std::string(kLimit / 2, 'b')),
      {Text(std::string(kLimit / 2, 'a') + std::string(kLimit / 2, 'b'))});
  row("9 fragments adding up to 64 KiB + 1",
      F(kText, std::string(kLimit / 2, 'a')) + F(kFin | kPing, "p") +
          F(kFin | kCont, std::string(kLimit / 2 + 1, 'b')),
      {Ping("p"), Fail(kCloseTooBig)});
  row("9 many small fragments over 64 KiB",
      F(kBinary, std::string(1000, 'f')) + Repeat(F(kCont, std::string(1000, 'f')), 69) +
          F(kFin | kCont, "end"),
      {Fail(kCloseTooBig)});
  row("9 the limit is per message: two messages of 64 KiB",
      F(kFin | kBinary, std::string(kLimit, 'a')) + F(kFin | kBinary, std::string(kLimit, 'b')),
      {Binary(std::string(kLimit, 'a')), Binary(std::string(kLimit, 'b'))});
  return rows;
}

class WsConformance : public testing::TestWithParam<Row> {};

TEST_P(WsConformance, WholeByteByByteAndInSmallReads) {
  const Row& r = GetParam();
  EXPECT_EQ(Parse(r.wire, 0), r.want) << "one read";
  // A byte per read is quadratic in nothing but slow for the 64 KiB rows: those get 4 KiB reads.
  const size_t fine = r.wire.size() > 4096 ? 4096 : 1;
  EXPECT_EQ(Parse(r.wire, fine), r.want) << "reads of " << fine << " byte(s)";
  EXPECT_EQ(Parse(r.wire, 3, /*vary=*/true), r.want) << "reads of 3-9 bytes";
}

std::string RowName(const testing::TestParamInfo<Row>& info) {
  std::string name = std::to_string(info.index) + "_";
  for (char c : info.param.name) name.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Rfc6455, WsConformance, testing::ValuesIn(Rows()), RowName);

}  // namespace
}  // namespace confab::net::ws
