// Thread roles: a blocking call on an io thread is counted and, in debug builds, aborts.
#include "util/thread_role.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace confab {
namespace {

TEST(ThreadRoleTest, ThreadsAreNotIoThreadsUntilMarked) {
  EXPECT_FALSE(OnIoThread());
  {
    IoThreadScope io;
    EXPECT_TRUE(OnIoThread());
    bool other = true;
    std::thread([&] { other = OnIoThread(); }).join();
    EXPECT_FALSE(other);  // the mark is per thread
    {
      IoThreadScope nested;
      EXPECT_TRUE(OnIoThread());
    }
    EXPECT_TRUE(OnIoThread());  // a nested scope restores what it found
  }
  EXPECT_FALSE(OnIoThread());
  MarkIoThread();
  EXPECT_TRUE(OnIoThread());
  MarkIoThread(false);
  EXPECT_FALSE(OnIoThread());
}

TEST(ThreadRoleTest, BlockingOffAnIoThreadIsNotCounted) {
  const uint64_t before = BlockingOnIoThreadCount();
  ExpectBlockingAllowed("Test::Read");
  std::thread([] { ExpectBlockingAllowed("Test::Read"); }).join();
  EXPECT_EQ(BlockingOnIoThreadCount(), before);
}

#ifndef NDEBUG
TEST(ThreadRoleDeathTest, BlockingOnAnIoThreadAbortsNamingTheCall) {
  EXPECT_DEATH(
      {
        IoThreadScope io;
        ExpectBlockingAllowed("Test::Read");
      },
      "blocking store call 'Test::Read' on an io thread \\(1 so far\\)");
}
#else
TEST(ThreadRoleTest, BlockingOnAnIoThreadIsCounted) {
  const uint64_t before = BlockingOnIoThreadCount();
  {
    IoThreadScope io;
    ExpectBlockingAllowed("Test::Read");
    ExpectBlockingAllowed("Test::Read");
  }
  EXPECT_EQ(BlockingOnIoThreadCount(), before + 2);
}
#endif

}  // namespace
}  // namespace confab
