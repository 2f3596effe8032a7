#pragma once
// UTF-8 as RFC 3629 defines it: the one decoder and validator of the server. The WebSocket layer checks
// text messages and close reasons with it (RFC 6455 §8.1), the channel layer the strings of binary
// pushes, the domain walks text by code point with it. Pure functions, thread-safe.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace confab {

// The code point whose encoding starts at s[*i], advancing *i past it. std::nullopt when the bytes there
// are not well-formed UTF-8 (a stray continuation byte, C0/C1/F5..FF, an overlong form, a surrogate,
// a value above U+10FFFF, a sequence cut short or broken by a non-continuation byte); *i then advances
// by one byte, so a caller walking a string always makes progress. *i must be < s.size().
std::optional<uint32_t> NextCodePoint(std::string_view s, size_t* i);

// True when all of `s` is well-formed UTF-8 (the empty string is). ASCII runs are checked 8 bytes at a
// time: all of a Phoenix frame but the user's text is ASCII.
bool IsValidUtf8(std::string_view s);

}  // namespace confab
