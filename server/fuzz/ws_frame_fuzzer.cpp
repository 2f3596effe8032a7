// Fuzzes the RFC 6455 client-frame parser (net/ws_frame.hpp) against a plain model of the RFC.
//
// The input is the byte stream a client sends. It is parsed whole, one byte per read, and in reads
// cut where a PRNG seeded with the input says, each read in a buffer of its own (so ASan sees any
// read past it); under two message size limits (the server's 64 KiB, and 200 bytes so that
// fragmented messages reach the limit within small inputs). Every way of cutting must give the
// events the model gives: a parser whose result depends on how TCP split the stream, or that
// accepts what the RFC refuses, is caught here, not only one that crashes.
//
// The model reads the whole stream at once and checks in the parser's order (header, then payload,
// then message), so the failure codes compare exactly, with one latitude: a parser may fail a text
// message as soon as its bytes so far cannot begin valid UTF-8 (RFC 6455 §8.1 "fail fast"), so a
// 1007 is accepted where the model is still inside such a message.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "net/ws_frame.hpp"

namespace {

using confab::net::ws::FrameParser;
using Kind = FrameParser::Event::Kind;

void Check(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "ws_frame invariant broken: %s\n", what);
    abort();
  }
}

struct Seen {
  Kind kind;
  bool text = false;
  uint16_t code = 0;
  std::string payload;  // empty for kError: its text is for logs only
  bool operator==(const Seen&) const = default;
};

// ---- The model ----------------------------------------------------------------------------------

// Where a well-formed UTF-8 sequence may go after `s`: 0 = s is complete, 1 = s ends inside a
// character that could still be completed, -1 = s cannot begin valid UTF-8. Decodes code points
// (rather than matching byte ranges as the parser does), so the two are independent.
int Utf8State(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    int len;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07;
    } else {
      return -1;
    }
    int have = 1;
    for (; have < len && i + have < s.size(); ++have) {
      const auto cc = static_cast<unsigned char>(s[i + have]);
      if ((cc & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (have < len) {
      // Truncated: completable unless what is there already rules every completion out.
      const uint32_t lo = cp << (6 * (len - have));
      const uint32_t hi = lo | ((1u << (6 * (len - have))) - 1);
      const uint32_t min = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
      if (hi < min || lo > 0x10FFFF) return -1;
      if (lo >= 0xD800 && hi <= 0xDFFF) return -1;
      return 1;
    }
    if (cp < (len == 2   ? 0x80u
              : len == 3 ? 0x800u
                         : 0x10000u) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return -1;
    }
    i += static_cast<size_t>(len);
  }
  return 0;
}

bool ValidCloseCode(unsigned code) {
  // RFC 6455 §7.4.1 defined codes a peer may send, the IANA-registered 1012-1014, 3000-4999.
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
}

struct ModelResult {
  std::vector<Seen> events;
  bool finished = false;  // ends with kClose or kError
  bool idle = false;      // when not finished: the stream ended between frames, outside a message
  // At the end (an error, or the end of the stream): inside a text message whose bytes so far are
  // already not valid UTF-8, so a fail-fast parser may have failed it (1007) before what follows.
  bool invalid_text_pending = false;
};

ModelResult Model(std::string_view w, size_t max_message) {
  ModelResult r;
  size_t pos = 0;
  bool in_message = false, message_text = false;
  std::string message;
  auto fail = [&](uint16_t code) {
    r.events.push_back({Kind::kError, false, code, {}});
    r.finished = true;
    r.invalid_text_pending = in_message && message_text && Utf8State(message) < 0;
    return r;
  };
  for (;;) {
    if (w.size() - pos < 2) break;
    const auto b0 = static_cast<uint8_t>(w[pos]), b1 = static_cast<uint8_t>(w[pos + 1]);
    if (!(b1 & 0x80)) return fail(1002);  // §5.1: a client masks every frame
    uint64_t len = b1 & 0x7F;
    const size_t ext = len == 126 ? 2 : len == 127 ? 8 : 0;
    if (w.size() - pos < 2 + ext + 4) break;
    if (ext) {
      len = 0;
      for (size_t i = 0; i < ext; ++i) len = (len << 8) | static_cast<uint8_t>(w[pos + 2 + i]);
    }
    const uint8_t* key = reinterpret_cast<const uint8_t*>(w.data() + pos + 2 + ext);
    pos += 2 + ext + 4;
    const bool fin = b0 & 0x80;
    const unsigned op = b0 & 0x0F;
    if (b0 & 0x70) return fail(1002);  // no extension negotiated
    if (!(op <= 2 || (op >= 8 && op <= 10))) return fail(1002);
    if (ext == 2 && len < 126) return fail(1002);  // §5.2: the minimal number of bytes
    if (ext == 8 && (len >> 63)) return fail(1002);
    if (ext == 8 && len <= 0xFFFF) return fail(1002);
    const bool control = op >= 8;
    if (control) {
      if (!fin || len > 125) return fail(1002);  // §5.5
    } else {
      if (op == 0 && !in_message) return fail(1002);
      if (op != 0 && in_message) return fail(1002);
      if (len > max_message || message.size() + len > max_message) return fail(1009);
    }
    if (w.size() - pos < len) {  // the payload has not all arrived: what did counts for fail-fast
      if (!control) {
        std::string so_far = op == 0 ? message : std::string();
        for (size_t i = 0; pos + i < w.size(); ++i)
          so_far.push_back(static_cast<char>(w[pos + i] ^ key[i & 3]));
        const bool text = op == 0 ? message_text : op == 1;
        r.invalid_text_pending = text && Utf8State(so_far) < 0;
      }
      return r;  // not idle
    }
    std::string payload(w.substr(pos, static_cast<size_t>(len)));
    for (size_t i = 0; i < payload.size(); ++i) payload[i] = static_cast<char>(payload[i] ^ key[i & 3]);
    pos += static_cast<size_t>(len);
    if (op == 9) {
      r.events.push_back({Kind::kPing, false, 0, payload});
    } else if (op == 10) {
      r.events.push_back({Kind::kPong, false, 0, payload});
    } else if (op == 8) {
      if (payload.size() == 1) return fail(1002);
      uint16_t code = 1005;
      std::string reason;
      if (payload.size() >= 2) {
        code =
            static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1]));
        if (!ValidCloseCode(code)) return fail(1002);
        reason = payload.substr(2);
        if (Utf8State(reason) != 0) return fail(1007);
      }
      r.events.push_back({Kind::kClose, false, code, reason});
      r.finished = true;
      return r;
    } else {
      if (op != 0) message_text = op == 1;
      message += payload;
      in_message = !fin;
      if (fin) {
        if (message_text && Utf8State(message) != 0) return fail(1007);
        r.events.push_back({Kind::kMessage, message_text, 0, message});
        message.clear();
      }
    }
  }
  r.idle = pos == w.size() && !in_message;
  r.invalid_text_pending = in_message && message_text && Utf8State(message) < 0;
  return r;
}

// ---- The parser, fed in reads ------------------------------------------------------------------

struct ParseResult {
  std::vector<Seen> events;
  bool idle = false;
};

// Feeds `w` in reads ending at `cuts` (ascending, each < w.size()), each read in a fresh heap buffer.
ParseResult Parse(std::string_view w, const std::vector<size_t>& cuts, size_t max_message) {
  FrameParser parser(max_message);
  ParseResult out;
  std::vector<size_t> ends = cuts;
  ends.push_back(w.size());
  size_t start = 0;
  bool finished = false;
  for (size_t end : ends) {
    std::vector<char> read(w.begin() + static_cast<ptrdiff_t>(start),
                           w.begin() + static_cast<ptrdiff_t>(end));
    start = end;
    char* data = read.data();
    size_t size = read.size();
    for (size_t calls = 0;; ++calls) {
      Check(calls <= read.size() + 1, "Next makes progress");
      const size_t before = size;
      const auto e = parser.Next(&data, &size);
      Check(size <= before && data == read.data() + (read.size() - size),
            "Next advances data and size together");
      if (finished) {
        // Once finished: the same kind again, and everything consumed.
        Check(e.kind == out.events.back().kind && size == 0,
              "a finished parser repeats its end and eats input");
        break;
      }
      if (e.kind == Kind::kNeedMore) {
        Check(size == 0, "kNeedMore only once every byte is consumed");
        break;
      }
      Seen s{e.kind, e.text, e.code, e.kind == Kind::kError ? std::string() : std::string(e.payload)};
      switch (e.kind) {
        case Kind::kMessage:
          Check(s.payload.size() <= max_message, "a message within the limit");
          break;
        case Kind::kPing:
        case Kind::kPong:
          Check(s.payload.size() <= 125, "a control payload within 125 bytes");
          break;
        case Kind::kError:
          Check(e.code == 1002 || e.code == 1007 || e.code == 1009, "an error code the parser documents");
          Check(!e.payload.empty(), "an error says why");
          break;
        default:
          break;
      }
      out.events.push_back(std::move(s));
      if (e.kind == Kind::kClose || e.kind == Kind::kError) finished = true;
    }
    if (finished && size == 0 && end == w.size()) break;
  }
  out.idle = !finished && parser.idle();
  return out;
}

std::string Describe(const std::vector<Seen>& v) {
  std::string s;
  for (const auto& e : v) {
    s += "{kind " + std::to_string(e.kind) + " text " + std::to_string(e.text) + " code " +
         std::to_string(e.code) + " payload " + std::to_string(e.payload.size()) + "B} ";
  }
  return s;
}

void Compare(const ModelResult& want, const ParseResult& got, const char* how) {
  bool same = want.events == got.events;
  const bool model_fails_text =
      want.invalid_text_pending ||
      (!want.events.empty() && want.events.back().kind == Kind::kError && want.events.back().code == 1007);
  if (!same && model_fails_text && !got.events.empty() && got.events.back().kind == Kind::kError &&
      got.events.back().code == 1007 && got.events.size() - 1 <= want.events.size()) {
    // Fail-fast UTF-8: the parser failed the text message earlier than the model, which only
    // judges a message when it is complete; everything before must still agree.
    same = std::equal(got.events.begin(), got.events.end() - 1, want.events.begin());
  }
  if (!same) {
    fprintf(stderr, "ws_frame: parser (%s) disagrees with the model\n  model:  %s\n  parser: %s\n", how,
            Describe(want.events).c_str(), Describe(got.events).c_str());
    abort();
  }
  if (same && want.events == got.events && !want.finished && want.idle != got.idle) {
    fprintf(stderr, "ws_frame: idle() is %d (%s), the model says %d\n", got.idle, how, want.idle);
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view wire(reinterpret_cast<const char*>(data), size);
  // Reads cut at random places, the same for the same input (libFuzzer must be able to replay it).
  std::seed_seq seed(wire.begin(), wire.end());
  std::mt19937 rng(seed);
  std::vector<size_t> random_cuts;
  for (size_t at = 0; size > 1;) {
    at += 1 + rng() % 24;
    if (at >= size) break;
    random_cuts.push_back(at);
  }
  std::vector<size_t> every_byte;
  for (size_t at = 1; at < size; ++at) every_byte.push_back(at);

  for (size_t max_message : {size_t{64} << 10, size_t{200}}) {
    const ModelResult want = Model(wire, max_message);
    Compare(want, Parse(wire, {}, max_message), "one read");
    Compare(want, Parse(wire, random_cuts, max_message), "random reads");
    Compare(want, Parse(wire, every_byte, max_message), "a read per byte");
  }
  return 0;
}
