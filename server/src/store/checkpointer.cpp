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
    const int rc = sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    cp->Record(rc, db);
  }
  return SQLITE_OK;
}

void Checkpointer::Record(int rc, sqlite3* db) {
  // BUSY only means a reader or the writer held frames back; the next round copies them.
  const bool failed = rc != SQLITE_OK && rc != SQLITE_BUSY;
  if (failed) {
    spdlog::warn("store: checkpoint failed: {}", sqlite3_errmsg(db));
  } else {
    checkpoints_.fetch_add(1, std::memory_order_relaxed);
  }
  std::lock_guard lock(mu_);
  if (failed) {
    error_ = std::string("checkpoint failed: ") + sqlite3_errmsg(db);
  } else {
    error_.clear();
  }
}

Status Checkpointer::health() const {
  std::lock_guard lock(mu_);
  return error_.empty() ? Status::Ok() : Status::IoError(error_);
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
    int rc = sqlite3_wal_checkpoint_v2(conn_->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    Record(rc, conn_->db());
    std::lock_guard lock(mu_);
    running_ = false;
    ran_ = true;
  }
}

}  // namespace confab::store
