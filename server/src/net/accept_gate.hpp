#pragma once
// AcceptGate: how many connections the server holds at once, so that it never runs out of file
// descriptors, and what the listener does when accept() fails anyway.
//
// The cap: every connection is one descriptor. The cap is the soft RLIMIT_NOFILE minus a reserve the
// rest of the process needs (the store's files and connections: SQLite opens the database, its -wal
// and -shm per connection; PostgreSQL and NATS sockets; each io thread's epoll/eventfd/timerfd; logs,
// health checks' store probes). At the cap the listener stops accepting: new clients wait in the
// kernel's listen backlog (they are not refused) and the listener resumes as soon as a connection
// closes. A paused listener has no accept pending, so nothing wakes it: zero CPU while full. (Shedding
// instead, accept and close at once, would answer nobody usefully and cost a syscall pair per client.)
// The last `http_slots` of the cap are kept for plain HTTP: a WebSocket upgrade that would take one is
// answered 503 `server_full` with Retry-After, so health checks, metrics and the API still get in
// while the sockets are full.
//
// Accept errors (EMFILE/ENFILE when something else used the reserve, ENOBUFS, …): the failed
// connection stays in the backlog, so retrying at once fails at once, forever (a full core and
// millions of log lines). The listener waits instead: 10 ms, doubling to 1 s, back to 10 ms after a
// success (Backoff); and logs at most one line per 10 s, with how many it left out (LogLimiter).
//
// Threading: Accepted, TryPause and the Backoff belong to the acceptor's thread; Closed, TryOpenSocket
// and SocketClosed are called from any io thread (atomics; no lock). The Logger is the caller's.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace confab::net {

class AcceptGate {
 public:
  // Descriptors kept for everything that is not a client connection (see the header comment).
  static size_t Reserve(size_t io_threads, size_t reader_threads);
  // The connection cap under a soft descriptor limit of `soft_limit` (RLIM_INFINITY: any huge value)
  // less `reserve`; never below a small floor, so a tiny limit still serves someone.
  static size_t CapFor(uint64_t soft_limit, size_t reserve);
  // How many of `cap`'s slots are kept for plain HTTP.
  static size_t HttpSlotsFor(size_t cap);

  AcceptGate() = default;
  AcceptGate(const AcceptGate&) = delete;
  AcceptGate& operator=(const AcceptGate&) = delete;

  // Before the listener starts.
  void Configure(size_t cap, size_t http_slots);
  // Called (on any thread) when a close makes room while the listener is paused: it must resume.
  void set_on_room(std::function<void()> f) { on_room_ = std::move(f); }
  // After the io threads have stopped: later closes (sessions destroyed with their io_contexts) no
  // longer call on_room.
  void Stop() { stopped_.store(true); }

  // Acceptor thread. True: the server is at the cap and the listener is now paused (it must not accept
  // until on_room runs). False: go on accepting.
  bool TryPause();
  // Acceptor thread: a connection was accepted.
  void Accepted() { open_.fetch_add(1); }
  // Any thread: a connection closed (its ConnectionSlot went).
  void Closed();

  // Any thread: a connection asks to become a WebSocket. False when that would take one of the slots
  // kept for plain HTTP; true counts it until SocketClosed.
  bool TryOpenSocket();
  void SocketClosed() { sockets_.fetch_sub(1, std::memory_order_relaxed); }

  size_t cap() const { return cap_; }
  size_t http_slots() const { return http_slots_; }
  size_t open() const { return open_.load(std::memory_order_relaxed); }
  size_t sockets() const { return sockets_.load(std::memory_order_relaxed); }
  bool paused() const { return paused_.load(); }

 private:
  size_t cap_ = SIZE_MAX / 2;
  size_t http_slots_ = 0;
  // Sequentially consistent (the default): TryPause stores paused_ then reads open_, Closed lowers
  // open_ then reads paused_, so one of them always sees the other and no wake-up is lost.
  std::atomic<size_t> open_{0};
  std::atomic<size_t> sockets_{0};
  std::atomic<bool> paused_{false};
  std::atomic<bool> stopped_{false};
  std::function<void()> on_room_;
};

// The wait before retrying a failed accept: 10 ms, doubling up to 1 s; Reset after a success.
class Backoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{10};
  static constexpr std::chrono::milliseconds kMax{1000};
  std::chrono::milliseconds Next();
  void Reset() { next_ = kFirst; }

 private:
  std::chrono::milliseconds next_ = kFirst;
};

// At most one line per `every`: Allow says whether to log now and how many were left out since.
class LogLimiter {
 public:
  explicit LogLimiter(std::chrono::steady_clock::duration every = std::chrono::seconds(10)) : every_(every) {}
  bool Allow(std::chrono::steady_clock::time_point now, uint64_t* suppressed);

 private:
  std::chrono::steady_clock::duration every_;
  std::chrono::steady_clock::time_point last_{};
  bool logged_ = false;
  uint64_t suppressed_ = 0;
};

}  // namespace confab::net
