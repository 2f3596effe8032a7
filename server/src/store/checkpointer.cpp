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
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    cp->checkpoints_.fetch_add(1, std::memory_order_relaxed);
  }
  return SQLITE_OK;
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
    if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
      spdlog::warn("store: background checkpoint failed: {}", sqlite3_errmsg(conn_->db()));
    } else {
      checkpoints_.fetch_add(1, std::memory_order_relaxed);
    }
    std::lock_guard lock(mu_);
    running_ = false;
    ran_ = true;
  }
}

}  // namespace confab::store
