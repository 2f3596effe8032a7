#pragma once
// NatsServerForTest: a real nats-server as a child process on a free loopback port, for tests that
// need to kill it and bring it back on the same port.
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

extern char** environ;

namespace confab::cluster {

class NatsServerForTest {
 public:
  static constexpr const char* kBinary = "/usr/sbin/nats-server";
  static bool Available() { return access(kBinary, X_OK) == 0; }

  NatsServerForTest() : port_(FreePort()) {}
  ~NatsServerForTest() { Kill(); }
  NatsServerForTest(const NatsServerForTest&) = delete;
  NatsServerForTest& operator=(const NatsServerForTest&) = delete;

  int port() const { return port_; }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

  // Starts the server (again, after Kill, on the same port) and waits until it accepts clients.
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    if (running() || port_ <= 0) return false;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
    // libnats does not mark its sockets close-on-exec: a server holding a client's socket would
    // keep that connection half alive after the client closed it.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::string port = std::to_string(port_);
    const char* argv[] = {kBinary, "-a", "127.0.0.1", "-p", port.c_str(), nullptr};
    pid_t pid = -1;
    int rc = posix_spawn(&pid, kBinary, &actions, nullptr, const_cast<char* const*>(argv), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (rc != 0) {
      close(fds[0]);
      return false;
    }
    pid_ = pid;
    size_t from;
    {
      std::lock_guard lock(mu_);
      from = output_.size();
      exited_ = false;
    }
    reader_ = std::thread([this, fd = fds[0]] { ReadOutput(fd); });
    std::unique_lock lock(mu_);
    bool ready = cv_.wait_for(
        lock, timeout, [&] { return exited_ || output_.find("Server is ready", from) != std::string::npos; });
    return ready && !exited_;
  }

  // SIGKILL: the clients see the connection drop, as in a crash.
  void Kill() {
    if (!running()) return;
    kill(pid_, SIGKILL);
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    reader_.join();  // ends at EOF: the child was the pipe's only writer
  }

  // What the server printed, for failure messages.
  std::string output() const {
    std::lock_guard lock(mu_);
    return output_;
  }

 private:
  static int FreePort() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = -1;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
    close(fd);
    return port;
  }

  void ReadOutput(int fd) {
    char buf[4096];
    for (;;) {
      ssize_t n = read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      std::lock_guard lock(mu_);
      output_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
    close(fd);
    std::lock_guard lock(mu_);
    exited_ = true;
    cv_.notify_all();
  }

  const int port_;
  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  bool exited_ = false;
};

}  // namespace confab::cluster
