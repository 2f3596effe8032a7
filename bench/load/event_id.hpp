#pragma once
// Event ids that carry their send time. The publisher writes CLOCK_MONOTONIC nanoseconds into the
// client-generated UUID of each event; every member decodes it from the broadcast, so end-to-end latency
// needs no shared table between publishers and members (nor between load processes on one host).
// The result is a well-formed version-4-shaped UUID ("xxxxxxxx-xxxx-4xxx-8xxx-xxxxxxxxxxxx").
#include <cstdint>
#include <string>
#include <string_view>

namespace confab::bench {

// CLOCK_MONOTONIC in nanoseconds: the same clock in every process of this host.
int64_t MonotonicNs();

// `counter` keeps ids unique; only its low 56 bits are kept.
std::string MakeEventId(uint64_t send_ns, uint64_t counter);
// False when `id` is not one of ours (wrong length or not hex).
bool DecodeEventSendNs(std::string_view id, uint64_t* send_ns);
// The low 56 bits of `counter` back (the swarm keeps the publisher's target node in bits 48..55).
bool DecodeEventCounter(std::string_view id, uint64_t* counter);

}  // namespace confab::bench
