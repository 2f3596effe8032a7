// Presence: Phoenix-shaped state and diffs, one meta per track.
#include "channels/presence.hpp"

#include <gtest/gtest.h>

#include <set>

namespace confab::channels {
namespace {

using nlohmann::json;

TEST(PresenceTest, TrackProducesAJoinDiffAndState) {
  PresenceTable t;
  std::string diff;
  const std::string ref = t.Track("p_ada", "Ada", 1000, &diff);
  auto d = json::parse(diff);
  EXPECT_TRUE(d["leaves"].empty());
  ASSERT_EQ(d["joins"]["p_ada"]["metas"].size(), 1u);
  EXPECT_EQ(d["joins"]["p_ada"]["metas"][0]["name"], "Ada");
  EXPECT_EQ(d["joins"]["p_ada"]["metas"][0]["online_at"], 1000);
  EXPECT_EQ(d["joins"]["p_ada"]["metas"][0]["phx_ref"], ref);
  auto s = json::parse(t.StateJson());
  EXPECT_EQ(s["p_ada"]["metas"][0]["phx_ref"], ref);
}

TEST(PresenceTest, SamePidOnTwoSocketsHasTwoMetasAndLeavesOneAtATime) {
  PresenceTable t;
  std::string diff;
  const std::string r1 = t.Track("p_ada", "Ada", 1, &diff);
  const std::string r2 = t.Track("p_ada", "Ada", 2, &diff);
  EXPECT_NE(r1, r2);
  EXPECT_EQ(json::parse(t.StateJson())["p_ada"]["metas"].size(), 2u);

  ASSERT_TRUE(t.Untrack("p_ada", r1, &diff));
  auto d = json::parse(diff);
  EXPECT_TRUE(d["joins"].empty());
  EXPECT_EQ(d["leaves"]["p_ada"]["metas"][0]["phx_ref"], r1);
  auto s = json::parse(t.StateJson());
  ASSERT_EQ(s["p_ada"]["metas"].size(), 1u);
  EXPECT_EQ(s["p_ada"]["metas"][0]["phx_ref"], r2);

  EXPECT_FALSE(t.Untrack("p_ada", r1, &diff));  // already gone
  ASSERT_TRUE(t.Untrack("p_ada", r2, &diff));
  EXPECT_EQ(t.StateJson(), "{}");
  EXPECT_EQ(t.keys(), 0u);
}

TEST(PresenceTest, KeysAndNamesAreEscaped) {
  PresenceTable t;
  std::string diff;
  t.Track("p\"x", "A \"quoted\" name", 1, &diff);
  EXPECT_EQ(json::parse(diff)["joins"]["p\"x"]["metas"][0]["name"], "A \"quoted\" name");
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
