#pragma once
// Thread roles: io threads (they run sockets and rooms) must never block on storage. The server
// marks each io thread at start; every blocking Store read calls ExpectBlockingAllowed, which
// counts a read made on an io thread and, in debug builds (the sanitizer test builds), aborts with
// the name of the read — so a test that drives the server catches a violation at once.
#include <cstdint>

namespace confab {

// Marks (or unmarks) the calling thread as an io thread.
void MarkIoThread(bool is_io = true);
bool OnIoThread();

// Called by blocking operations (`what` names them). On an io thread: counted, logged, and in
// debug builds the process aborts.
void ExpectBlockingAllowed(const char* what);
// Blocking calls made on io threads since start (tests and /metrics: must stay 0).
uint64_t BlockingOnIoThreadCount();

// Marks the calling thread as an io thread for the lifetime of the scope (tests).
class IoThreadScope {
 public:
  IoThreadScope() : was_(OnIoThread()) { MarkIoThread(true); }
  ~IoThreadScope() { MarkIoThread(was_); }
  IoThreadScope(const IoThreadScope&) = delete;
  IoThreadScope& operator=(const IoThreadScope&) = delete;

 private:
  bool was_;
};

}  // namespace confab
