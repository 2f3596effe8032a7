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
// The key a participant proves authorship of its anonymous cards with (docs/domain.md § Anonymous
// cards): derived from the raw secret in a way unrelated to HashSecret, so the stored credential
// hash cannot recompute any seal. Kept in memory by the channel only.
std::string SealKey(std::string_view secret);
// The seal of card `card_id` under `seal_key`: 32 hex digits, stored in the card_added event.
std::string CardSeal(std::string_view seal_key, std::string_view card_id);
// Constant-time comparison of two hex digests.
bool DigestEquals(std::string_view a, std::string_view b);

}  // namespace confab
