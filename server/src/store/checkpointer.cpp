#include "store/checkpointer.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace confab::store {

Status Checkpointer::Open(const std::string& path, std::unique_ptr<Checkpointer>* out) {
  std::unique_ptr<SqliteConnection> conn;
  if (Status s = SqliteConnection::Open(path, SqliteConnection::Role::kCheckpointer, &conn); !s.ok())
    return s;
  out->reset(new Checkpointer(std::move(conn)));
  return Status::Ok();
}

Checkpointer::Checkpointer(std::unique_ptr<SqliteConnection> conn) : conn_(std::move(conn)) {
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "store-ckpt");
    Run();
  });
}

Checkpointer::~Checkpointer() {
  Stop();
}

void Checkpointer::Attach(SqliteConnection& writer) {
  sqlite3_wal_hook(writer.db(), &Checkpointer::OnWalCommit, this);
}

void Checkpointer::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

int Checkpointer::OnWalCommit(void* self, sqlite3* db, const char* schema, int frames) {
  auto* cp = static_cast<Checkpointer*>(self);
  cp->wal_frames_.store(frames, std::memory_order_relaxed);
  if (frames < kWakeFrames) return SQLITE_OK;
  bool finish_inline = false;
  {
    std::lock_guard lock(cp->mu_);
    if (cp->running_ || cp->wanted_) return SQLITE_OK;
    if (cp->ran_) {
      cp->ran_ = false;
      finish_inline = true;
    } else {
      cp->wanted_ = true;
      cp->cv_.notify_one();
    }
  }
  if (finish_inline) {
    // Only the frames committed during the background round are left to copy.
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied);
    cp->Record(rc, db, copied);
  }
  return SQLITE_OK;
}

void Checkpointer::Record(int rc, sqlite3* db, int copied) {
  // BUSY only means a reader or the writer held frames back; the next round copies them.
  if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
    spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(db));
    tracker_.Failed(std::string("checkpoint: ") + sqlite3_errmsg(db));
    return;
  }
  checkpoints_.fetch_add(1, std::memory_order_relaxed);
  // Only a round that copied pages shows the database file can be written (one with nothing to copy
  // succeeds on a full disk too).
  if (copied > 0) tracker_.Wrote();
}

WriterHealthReport Checkpointer::health() const {
  WriterHealthReport r = tracker_.Report();
  const int frames = wal_frames_.load(std::memory_order_relaxed);
  const int bound = max_wal_frames_.load(std::memory_order_relaxed);
  if (r.status.ok() && frames > bound) {
    // 4 KiB pages (SqliteConnection sets no other page size).
    r.status = Status::Unavailable("WAL holds " + std::to_string(frames / 256) + " MiB (" +
                                   std::to_string(frames) + " pages, bound " + std::to_string(bound) +
                                   "): checkpoints are not keeping up; is a read holding them back?");
    r.since_ms = 0;
  }
  return r;
}

void Checkpointer::Run() {
  for (;;) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
      running_ = true;
    }
    int copied = 0;
    int rc = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, &copied);
    Record(rc, conn_->db(), copied);
    std::lock_guard lock(mu_);
    running_ = false;
    ran_ = true;
  }
}

}  // namespace confab::store
