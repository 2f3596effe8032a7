#pragma once
// Random identifiers and one-way hashes for secrets. Thread-safe.
#include <string>
#include <string_view>

namespace confab {

// `bytes` bytes from the OS CSPRNG, as lowercase hex (2 * bytes chars).
std::string RandomHex(int bytes);
// A fresh RFC 4122 version-4 UUID, lowercase.
std::string RandomUuid();
// SHA-256 of `secret`, lowercase hex. Tokens and participant secrets are stored only this way;
// they are 128-bit random, so an unsalted fast hash is enough to make a stolen database useless.
std::string HashSecret(std::string_view secret);
// Constant-time comparison of two hex digests.
bool DigestEquals(std::string_view a, std::string_view b);

}  // namespace confab
