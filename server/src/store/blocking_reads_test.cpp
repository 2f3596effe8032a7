// The threading rule of store.hpp, as SqliteStore enforces it: every blocking method checks the thread
// role (util/thread_role.hpp); the queueing and memory-only ones may be called from an io thread.
#include <gtest/gtest.h>

#include <future>
#include <limits>

#include "store/sqlite_store.hpp"
#include "store/test_support.hpp"
#include "util/thread_role.hpp"

namespace confab::store {
namespace {

using testing::AppendAndWait;
using testing::CreateRequest;
using testing::TempDir;

TEST(BlockingReadsTest, QueueingAndMemoryOnlyCallsAreAllowedOnAnIoThread) {
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(dir.File("roles.db"), &store).ok());
  ASSERT_TRUE(AppendAndWait(*store, CreateRequest("m")).ok());
  const uint64_t before = BlockingOnIoThreadCount();
  std::promise<Status> appended, snapped;
  {
    IoThreadScope io;
    AppendRequest req;
    req.meeting_id = "m";
    req.events.push_back(testing::MakeEvent(2, "two"));
    store->Append(std::move(req), [&](Status s) { appended.set_value(s); });
    store->PutSnapshot(Snapshot{"m", 1, 0, "{}"}, [&](Status s) { snapped.set_value(s); });
    EXPECT_TRUE(store->WriterHealth().ok());
    store->Stats();
    store->Describe();
  }
  EXPECT_TRUE(appended.get_future().get().ok());
  EXPECT_TRUE(snapped.get_future().get().ok());
  EXPECT_EQ(BlockingOnIoThreadCount(), before);
}

// Each blocking method, called on an io thread, names itself and (debug builds) aborts.
class BlockingReadsDeathTest : public ::testing::TestWithParam<const char*> {};

void CallBlocking(Store& store, const std::string& which) {
  int64_t n = 0;
  MeetingRecord meeting;
  Credential cred;
  Snapshot snap;
  std::vector<StoredEvent> events;
  std::vector<MeetingRecord> meetings;
  auto any = [](const auto&) { return true; };
  if (which == "GetMeeting") store.GetMeeting("m", &meeting);
  if (which == "HeadSeq") store.HeadSeq("m", &n);
  if (which == "ReadEvents") store.ReadEvents("m", 0, 0, false, &events);
  if (which == "ScanEvents") store.ScanEvents("m", 0, any);
  if (which == "ScanAll") store.ScanAll(any);
  if (which == "FindEventSeq") store.FindEventSeq("m", "x", &n);
  if (which == "GetCredential") store.GetCredential("m", "p", &cred);
  if (which == "ListMeetings") store.ListMeetings(&meetings);
  if (which == "LatestSnapshot") store.LatestSnapshot("m", 1, 1, &snap);
  if (which == "ScanFeatureUsage") store.ScanFeatureUsage(0, 1, any);
  if (which == "Flush") store.Flush();
}

TEST_P(BlockingReadsDeathTest, IsCaughtOnAnIoThread) {
  const std::string which = GetParam();
  TempDir dir;
  std::unique_ptr<SqliteStore> store;
  ASSERT_TRUE(SqliteStore::Open(dir.File("roles.db"), &store).ok());
#ifndef NDEBUG
  // The store runs threads of its own: the child re-executes the test binary instead of forking them.
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        IoThreadScope io;
        CallBlocking(*store, which);
      },
      "blocking store call 'SqliteStore::" + which + "' on an io thread");
#else
  const uint64_t before = BlockingOnIoThreadCount();
  {
    IoThreadScope io;
    CallBlocking(*store, which);
  }
  EXPECT_EQ(BlockingOnIoThreadCount(), before + 1);
#endif
  // Off the io thread the same call is fine and not counted.
  const uint64_t before_plain = BlockingOnIoThreadCount();
  CallBlocking(*store, which);
  EXPECT_EQ(BlockingOnIoThreadCount(), before_plain);
}

INSTANTIATE_TEST_SUITE_P(EveryBlockingMethod, BlockingReadsDeathTest,
                         ::testing::Values("GetMeeting", "HeadSeq", "ReadEvents", "ScanEvents", "ScanAll",
                                           "FindEventSeq", "GetCredential", "ListMeetings", "LatestSnapshot",
                                           "ScanFeatureUsage", "Flush"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace confab::store
