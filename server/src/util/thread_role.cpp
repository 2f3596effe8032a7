#include "util/thread_role.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>

namespace confab {
namespace {

thread_local bool t_is_io = false;
std::atomic<uint64_t> g_violations{0};

}  // namespace

void MarkIoThread(bool is_io) {
  t_is_io = is_io;
}

bool OnIoThread() {
  return t_is_io;
}

void ExpectBlockingAllowed(const char* what) {
  if (!t_is_io) return;
  const uint64_t n = g_violations.fetch_add(1, std::memory_order_relaxed) + 1;
  // stderr rather than the logger: util depends on nothing, and this line must never be filtered.
  if (n <= 10 || (n & (n - 1)) == 0) {
    std::fprintf(stderr, "confab: BUG: blocking store call '%s' on an io thread (%llu so far)\n", what,
                 static_cast<unsigned long long>(n));
  }
#ifndef NDEBUG
  std::abort();
#endif
}

uint64_t BlockingOnIoThreadCount() {
  return g_violations.load(std::memory_order_relaxed);
}

}  // namespace confab
