#pragma once
// Checkpointer: copies the WAL back into the database file on its own thread and connection, so the
// writer's commits never include a checkpoint (with wal_autocheckpoint they would: the commit that
// crosses the limit pays for copying 16 MiB and fsyncing the database file).
//
// The writer connection's WAL hook (installed by Attach) wakes it once the WAL holds kWakeFrames
// pages; it then runs a PASSIVE checkpoint, which never blocks the writer or readers. A WAL is only
// reset (written again from its start) by a transaction that begins when every frame has been copied,
// which a background copy racing a busy writer never achieves; so after each background round the
// writer's hook copies the few frames committed meanwhile itself (inline, PASSIVE, after the commit's
// fsync), and its next transaction restarts the WAL. The bulk of the copying stays off the writer.
// Durability is unchanged: a checkpoint only copies pages that are already durable in the WAL.
//
// Threading: Attach is called once on the thread that owns the writer connection; the WAL hook then
// runs on the writer thread. Stop (also the destructor) joins the thread and is safe from any thread
// except the hook.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite_connection.hpp"
#include "util/status.hpp"

namespace confab::store {

class Checkpointer {
 public:
  static constexpr int kWakeFrames = 4096;  // 16 MiB of 4 KiB pages

  // Opens its own connection to `path` and starts the thread.
  static Status Open(const std::string& path, std::unique_ptr<Checkpointer>* out);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Routes `writer`'s WAL hook here (replacing wal_autocheckpoint on that connection).
  void Attach(SqliteConnection& writer);
  void Stop();

  uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }
  // Ok, or IoError with the last checkpoint failure until a later round succeeds. A failing
  // checkpoint loses nothing but lets the WAL grow without bound, so it is reported as writer health.
  Status health() const;

 private:
  explicit Checkpointer(std::unique_ptr<SqliteConnection> conn);
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames);
  // Counts a round, or keeps its error for health().
  void Record(int rc, sqlite3* db);
  void Run();

  std::unique_ptr<SqliteConnection> conn_;  // checkpoint thread only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;   // the hook asked for a round
  bool running_ = false;  // a round is copying
  bool ran_ = false;      // a round finished since the hook last finished the copy inline
  bool stopping_ = false;
  std::string error_;  // last checkpoint failure; empty once one succeeded since
  std::thread thread_;
  std::atomic<uint64_t> checkpoints_{0};
};

}  // namespace confab::store
