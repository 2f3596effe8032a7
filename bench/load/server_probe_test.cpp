#include "server_probe.hpp"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

namespace confab::bench {
namespace {

TEST(SampleProcess, ReadsOurOwnCpuAndMemory) {
  volatile uint64_t x = 0;
  for (int i = 0; i < 50'000'000; ++i) x = x + i;  // burn some CPU so utime moves past a tick
  ProcessSample s = SampleProcess(getpid());
  ASSERT_TRUE(s.ok);
  EXPECT_GT(s.rss_bytes, 1024 * 1024);
  EXPECT_GE(s.hwm_bytes, s.rss_bytes);
  EXPECT_GT(s.cpu_ns, 0);
  EXPECT_GE(s.threads, 1);
}

TEST(SampleProcess, MissingProcessIsNotOk) {
  EXPECT_FALSE(SampleProcess(0x7FFFFFF0).ok);
}

TEST(SampleTree, AddsTheDirectChildren) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    pause();
    _exit(0);
  }
  ProcessSample self = SampleProcess(getpid());
  ProcessSample tree = SampleTree(getpid());
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  ASSERT_TRUE(tree.ok);
  EXPECT_GE(tree.threads, self.threads + 1);
  EXPECT_GT(tree.rss_bytes, self.rss_bytes);
  EXPECT_GE(tree.cpu_ns, self.cpu_ns);
  EXPECT_FALSE(SampleTree(0x7FFFFFF0).ok);
}

TEST(ParsePrometheus, ReadsSeriesWithAndWithoutLabels) {
  auto m = ParsePrometheus(
      "# HELP confab_connections open sockets\n# TYPE confab_connections gauge\nconfab_connections 12\n"
      "confab_commit_batch_size_sum 300\nconfab_commit_batch_size_count 20\n"
      "confab_pushes_total{result=\"ok\"} 7 1700000000000\nbroken_line\n");
  EXPECT_EQ(m["confab_connections"], 12);
  EXPECT_EQ(m["confab_commit_batch_size_sum"], 300);
  EXPECT_EQ(m["confab_pushes_total{result=\"ok\"}"], 7);
  EXPECT_EQ(m.count("broken_line"), 0u);
}

}  // namespace
}  // namespace confab::bench
