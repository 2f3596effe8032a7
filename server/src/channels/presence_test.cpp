// Presence: Phoenix-shaped state and diffs, one meta per track.
#include "channels/presence.hpp"

#include <gtest/gtest.h>

#include <set>

namespace confab::channels {
namespace {

using nlohmann::json;

TEST(PresenceTest, TrackProducesAJoinDiffAndState) {
  PresenceTable t;
  EXPECT_EQ(t.TakeDiff(), "");
  const std::string ref = t.Track("p_ada", "Ada", 1000);
  auto d = json::parse(t.TakeDiff());
  EXPECT_TRUE(d["leaves"].empty());
  ASSERT_EQ(d["joins"]["p_ada"]["metas"].size(), 1u);
  EXPECT_EQ(d["joins"]["p_ada"]["metas"][0]["name"], "Ada");
  EXPECT_EQ(d["joins"]["p_ada"]["metas"][0]["online_at"], 1000);
  EXPECT_EQ(d["joins"]["p_ada"]["metas"][0]["phx_ref"], ref);
  EXPECT_EQ(t.TakeDiff(), "");  // taken
  auto s = json::parse(t.StateJson());
  EXPECT_EQ(s["p_ada"]["metas"][0]["phx_ref"], ref);
}

TEST(PresenceTest, SamePidOnTwoSocketsHasTwoMetasAndLeavesOneAtATime) {
  PresenceTable t;
  const std::string r1 = t.Track("p_ada", "Ada", 1);
  const std::string r2 = t.Track("p_ada", "Ada", 2);
  EXPECT_NE(r1, r2);
  EXPECT_EQ(json::parse(t.StateJson())["p_ada"]["metas"].size(), 2u);
  EXPECT_EQ(json::parse(t.TakeDiff())["joins"]["p_ada"]["metas"].size(), 2u);

  ASSERT_TRUE(t.Untrack("p_ada", r1));
  auto d = json::parse(t.TakeDiff());
  EXPECT_TRUE(d["joins"].empty());
  EXPECT_EQ(d["leaves"]["p_ada"]["metas"][0]["phx_ref"], r1);
  auto s = json::parse(t.StateJson());
  ASSERT_EQ(s["p_ada"]["metas"].size(), 1u);
  EXPECT_EQ(s["p_ada"]["metas"][0]["phx_ref"], r2);

  EXPECT_FALSE(t.Untrack("p_ada", r1));  // already gone
  EXPECT_EQ(t.TakeDiff(), "");
  ASSERT_TRUE(t.Untrack("p_ada", r2));
  EXPECT_EQ(t.StateJson(), "{}");
  EXPECT_EQ(t.keys(), 0u);
}

TEST(PresenceTest, OneDiffCarriesEveryChangeSinceTheLast) {
  PresenceTable t;
  const std::string ada = t.Track("p_ada", "Ada", 1);
  t.TakeDiff();
  const std::string grace = t.Track("p_grace", "Grace", 2);
  const std::string linus = t.Track("p_linus", "Linus", 3);
  ASSERT_TRUE(t.Untrack("p_ada", ada));
  ASSERT_TRUE(t.Untrack("p_linus", linus));  // joined and left inside one batch
  auto d = json::parse(t.TakeDiff());
  EXPECT_EQ(d["joins"].size(), 2u);
  EXPECT_EQ(d["joins"]["p_grace"]["metas"][0]["phx_ref"], grace);
  EXPECT_EQ(d["joins"]["p_linus"]["metas"][0]["phx_ref"], linus);
  EXPECT_EQ(d["leaves"].size(), 2u);
  EXPECT_EQ(d["leaves"]["p_ada"]["metas"][0]["phx_ref"], ada);
  EXPECT_EQ(d["leaves"]["p_linus"]["metas"][0]["phx_ref"], linus);
  // Linus is gone from the table itself; only Grace is left.
  EXPECT_EQ(json::parse(t.StateJson()).size(), 1u);
  EXPECT_TRUE(json::parse(t.StateJson()).contains("p_grace"));
}

TEST(PresenceTest, KeysAndNamesAreEscaped) {
  PresenceTable t;
  t.Track("p\"x", "A \"quoted\" name", 1);
  EXPECT_EQ(json::parse(t.TakeDiff())["joins"]["p\"x"]["metas"][0]["name"], "A \"quoted\" name");
  EXPECT_NO_THROW(json::parse(t.StateJson()));
}

TEST(PresenceTest, PhxRefsAreUniqueAndUrlSafe) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    std::string r = NewPhxRef();
    for (char c : r)
      EXPECT_TRUE(isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') << r;
    EXPECT_TRUE(seen.insert(r).second) << r;
  }
}

}  // namespace
}  // namespace confab::channels
