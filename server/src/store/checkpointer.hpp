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

#include "store/health_tracker.hpp"
#include "store/sqlite_connection.hpp"
#include "util/status.hpp"

namespace confab::store {

class Checkpointer {
 public:
  static constexpr int kWakeFrames = 4096;  // 16 MiB of 4 KiB pages
  // A WAL longer than this means checkpoints are not keeping up (failing, or held back by a read that
  // never ends): every read walks a longer WAL index and the file eats the disk. Reported as health.
  static constexpr int kMaxWalFrames = 16 * kWakeFrames;  // 256 MiB

  // Opens its own connection to `path` and starts the thread.
  static Status Open(const std::string& path, std::unique_ptr<Checkpointer>* out);
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Routes `writer`'s WAL hook here (replacing wal_autocheckpoint on that connection).
  void Attach(SqliteConnection& writer);
  void Stop();

  uint64_t checkpoints() const { return checkpoints_.load(std::memory_order_relaxed); }
  // Ok, or Unavailable: a checkpoint failed (until a later round copies pages, or HealthTracker's
  // window passes), or the WAL is past kMaxWalFrames. A failing checkpoint loses nothing but lets the
  // WAL grow without bound, so it is reported as writer health.
  WriterHealthReport health() const;
  // Frames in the WAL as of the writer's last commit.
  int wal_frames() const { return wal_frames_.load(std::memory_order_relaxed); }

  // Tests: a smaller WAL bound; a clock for the failure window.
  void SetMaxWalFramesForTesting(int frames) { max_wal_frames_.store(frames, std::memory_order_relaxed); }
  void SetClockForTesting(HealthTracker::Clock clock) { tracker_.SetClockForTesting(std::move(clock)); }

 private:
  explicit Checkpointer(std::unique_ptr<SqliteConnection> conn);
  static int OnWalCommit(void* self, sqlite3* db, const char* schema, int frames);
  // Counts a round that copied `copied` frames, or keeps its error for health().
  void Record(int rc, sqlite3* db, int copied);
  void Run();

  std::unique_ptr<SqliteConnection> conn_;  // checkpoint thread only
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;   // the hook asked for a round
  bool running_ = false;  // a round is copying
  bool ran_ = false;      // a round finished since the hook last finished the copy inline
  bool stopping_ = false;
  std::thread thread_;
  std::atomic<uint64_t> checkpoints_{0};
  std::atomic<int> wal_frames_{0};
  std::atomic<int> max_wal_frames_{kMaxWalFrames};
  HealthTracker tracker_{"checkpoints failing"};
};

}  // namespace confab::store
