// OpenStore: which URLs name which store.
#include <gtest/gtest.h>

#include <filesystem>

#include "store/store.hpp"
#include "store/test_support.hpp"

namespace confab::store {
namespace {

TEST(OpenStoreTest, SqliteUrlCreatesTheFileAndItsDirectories) {
  testing::TempDir dir;
  const std::string path = dir.File("a/b/confab.db");
  std::unique_ptr<Store> store;
  Status s = OpenStore("sqlite:" + path, &store);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(std::filesystem::exists(path));
  EXPECT_EQ(store->Describe(), "sqlite:" + path);
  EXPECT_TRUE(testing::AppendAndWait(*store, testing::CreateRequest("m")).ok());
}

TEST(OpenStoreTest, TripleSlashFormAndBarePathWork) {
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  ASSERT_TRUE(OpenStore("sqlite://" + dir.File("x.db"), &store).ok());  // sqlite:///abs/x.db
  EXPECT_EQ(store->Describe(), "sqlite:" + dir.File("x.db"));
  ASSERT_TRUE(OpenStore(dir.File("bare.db"), &store).ok());
  EXPECT_EQ(store->Describe(), "sqlite:" + dir.File("bare.db"));
}

TEST(OpenStoreTest, UnknownSchemeIsInvalidWithoutLeakingTheUrl) {
  std::unique_ptr<Store> store;
  Status s = OpenStore("mysql://confab:hunter2@db/confab", &store);
  EXPECT_EQ(s.code(), Status::Code::kInvalid);
  EXPECT_NE(s.message().find("mysql"), std::string::npos) << s.message();
  EXPECT_EQ(s.message().find("hunter2"), std::string::npos) << s.message();
  EXPECT_EQ(store, nullptr);
}

TEST(OpenStoreTest, EmptyPathIsInvalid) {
  std::unique_ptr<Store> store;
  EXPECT_EQ(OpenStore("sqlite:", &store).code(), Status::Code::kInvalid);
  EXPECT_EQ(OpenStore("", &store).code(), Status::Code::kInvalid);
}

TEST(OpenStoreTest, UnopenableFileIsIoError) {
  testing::TempDir dir;
  std::unique_ptr<Store> store;
  // A directory where the file should be.
  std::filesystem::create_directories(dir.path() / "taken.db");
  EXPECT_EQ(OpenStore("sqlite:" + dir.File("taken.db"), &store).code(), Status::Code::kIoError);
}

}  // namespace
}  // namespace confab::store

namespace confab::store {
namespace {

TEST(RedactStoreUrlTest, PasswordsAndQueriesNeverReachALog) {
  EXPECT_EQ(RedactStoreUrl("postgres://confab:s3cret@db:5432/confab?sslmode=require"),
            "postgres://confab@db:5432/confab");
  EXPECT_EQ(RedactStoreUrl("postgresql://confab@db/confab"), "postgresql://confab@db/confab");
  EXPECT_EQ(RedactStoreUrl("postgres://db/x@y"), "postgres://db/x@y");
  EXPECT_EQ(RedactStoreUrl("sqlite:./data/confab.db"), "sqlite:./data/confab.db");
}

}  // namespace
}  // namespace confab::store
