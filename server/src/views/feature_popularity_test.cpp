#include "views/feature_popularity.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <tuple>

#include "views/queries.hpp"
#include "views/time_text.hpp"
#include "views/views_test_support.hpp"

namespace confab::views {
namespace {

using testing::kT0;  // 2024-11-28T05:00:00Z
using testing::MeetingScript;

constexpr int64_t kDay = kMsPerDay;

// Meeting one on the 28th and 29th, meeting two on the 29th only.
void Feed(testing::MemoryStore& store) {
  MeetingScript one("m1"), two("m2");
  one.Add(kT0, "system", "Confab", "meeting_created", {{"title", "one"}});
  one.Add(kT0 + 1, "p", "P", "card_added", {{"card_id", "a"}, {"title", "a"}});
  one.Add(kT0 + 2, "p", "P", "card_added", {{"card_id", "b"}, {"title", "b"}});
  one.Add(kT0 + kDay, "p", "P", "reaction", {{"emoji", "👍"}});
  two.Add(kT0 + kDay + 10, "system", "Confab", "meeting_created", {{"title", "two"}});
  two.Add(kT0 + kDay + 11, "q", "Q", "card_added", {{"card_id", "a"}, {"title", "a"}});
  two.Add(kT0 + kDay + 12, "q", "Q", "reaction", {{"emoji", "👎"}});
  two.Add(kT0 + kDay + 13, "q", "Q", "reaction", {{"emoji", "👎"}});
  store.Load(one);
  store.Load(two);
}

nlohmann::json TypeRow(const nlohmann::json& f, const std::string& type) {
  for (const auto& t : f["types"]) {
    if (t["type"] == type) return t;
  }
  return nullptr;
}

TEST(FeaturePopularity, CountsPerTypeAndDayAndMeeting) {
  testing::MemoryStore store;
  Feed(store);
  nlohmann::json f;
  ASSERT_TRUE(FeaturesJson(store, std::nullopt, std::nullopt, &f).ok());
  EXPECT_EQ(f["events"], 8);
  EXPECT_EQ(f["meetings"], 2);
  EXPECT_EQ(TypeRow(f, "card_added"),
            (nlohmann::json{{"type", "card_added"}, {"count", 3}, {"meetings", 2}}));
  EXPECT_EQ(TypeRow(f, "reaction"), (nlohmann::json{{"type", "reaction"}, {"count", 3}, {"meetings", 2}}));
  EXPECT_EQ(TypeRow(f, "meeting_created")["count"], 2);
  // Most used first, ties by name.
  EXPECT_EQ(f["types"][0]["type"], "card_added");
  EXPECT_EQ(f["types"][1]["type"], "reaction");
  ASSERT_EQ(f["days"].size(), 2u);
  EXPECT_EQ(f["days"][0], (nlohmann::json{{"day", "2024-11-28"},
                                          {"events", 3},
                                          {"types", {{"meeting_created", 1}, {"card_added", 2}}}}));
  EXPECT_EQ(f["days"][1]["day"], "2024-11-29");
  EXPECT_EQ(f["days"][1]["events"], 5);
  EXPECT_EQ(f["days"][1]["types"]["reaction"], 3);
}

TEST(FeaturePopularity, RangesCoverTheWholeUtcDaysTheyTouch) {
  testing::MemoryStore store;
  Feed(store);
  const int64_t midnight28 = kT0 - 5 * 3'600'000;  // kT0 is 05:00 UTC
  nlohmann::json f;
  // [kT0 + 1, kT0 + kDay + 12) touches the 28th and the 29th: all of both days counts.
  ASSERT_TRUE(FeaturesJson(store, kT0 + 1, kT0 + kDay + 12, &f).ok());
  EXPECT_EQ(f["events"], 8);
  EXPECT_EQ(f["from"], midnight28);
  EXPECT_EQ(f["to"], midnight28 + 2 * kDay);
  // A bound on a midnight stays put: the 29th alone.
  ASSERT_TRUE(FeaturesJson(store, midnight28 + kDay, midnight28 + 2 * kDay, &f).ok());
  EXPECT_EQ(f["events"], 5);
  EXPECT_EQ(TypeRow(f, "reaction"), (nlohmann::json{{"type", "reaction"}, {"count", 3}, {"meetings", 2}}));
  // One ms into the 30th touches it (nothing there).
  ASSERT_TRUE(FeaturesJson(store, midnight28 + kDay, midnight28 + 2 * kDay + 1, &f).ok());
  EXPECT_EQ(f["events"], 5);
  EXPECT_EQ(f["to"], midnight28 + 3 * kDay);
  // An empty range touches no day.
  ASSERT_TRUE(FeaturesJson(store, kT0, kT0, &f).ok());
  EXPECT_EQ(f["events"], 0);

  // Dates: from = that day's midnight, to = the end of that day.
  ASSERT_TRUE(FeaturesJson(store, "2024-11-29", "2024-11-29", &f).ok());
  EXPECT_EQ(f["events"], 5);
  EXPECT_EQ(f["meetings"], 2);
  ASSERT_TRUE(FeaturesJson(store, "", "2024-11-28", &f).ok());
  EXPECT_EQ(f["events"], 3);
  EXPECT_EQ(f["meetings"], 1);
  EXPECT_EQ(f["from"], nullptr);
  ASSERT_TRUE(FeaturesJson(store, "2024-11-29T05:00:00.011Z", "", &f).ok());
  EXPECT_EQ(f["events"], 5);
  EXPECT_EQ(f["to"], nullptr);
  ASSERT_TRUE(FeaturesJson(store, std::to_string(kT0 + kDay + 12), "", &f).ok());
  EXPECT_EQ(f["events"], 5);
  ASSERT_TRUE(FeaturesJson(store, "2030-01-01", "", &f).ok());
  EXPECT_EQ(f["events"], 0);
  EXPECT_TRUE(f["types"].empty());

  EXPECT_EQ(FeaturesJson(store, "yesterday", "", &f).code(), Status::Code::kInvalid);
  EXPECT_EQ(FeaturesJson(store, "2024-02-30", "", &f).code(), Status::Code::kInvalid);
  EXPECT_EQ(FeaturesJson(store, "2024-11-30", "2024-11-28", &f).code(), Status::Code::kInvalid);
}

TEST(FeaturePopularity, DaysOfHalfOpenRanges) {
  EXPECT_EQ(DaysOf(0, kDay).from_day, 0);
  EXPECT_EQ(DaysOf(0, kDay).to_day, 1);
  EXPECT_EQ(DaysOf(-1, 1).from_day, -1);
  EXPECT_EQ(DaysOf(-1, 1).to_day, 1);
  EXPECT_EQ(DaysOf(std::nullopt, std::nullopt).from_day, std::nullopt);
  EXPECT_EQ(DaysOf(kDay + 1, std::nullopt).from_day, 1);
  EXPECT_EQ(DaysOf(std::nullopt, kDay + 1).to_day, 2);
}

TEST(FeaturePopularity, UsageRowsEqualARecount) {
  testing::MemoryStore store;
  Feed(store);
  FeatureUsageCount recount;
  ASSERT_TRUE(store
                  .ScanAll([&](const store::StoredEvent& e) {
                    recount.Add(e);
                    return true;
                  })
                  .ok());
  std::vector<store::FeatureUsage> rows;
  ASSERT_TRUE(store
                  .ScanFeatureUsage(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                    [&](const store::FeatureUsage& u) {
                                      rows.push_back(u);
                                      return true;
                                    })
                  .ok());
  const auto want = recount.Rows();
  ASSERT_EQ(rows.size(), want.size());
  EXPECT_EQ(recount.events(), 8u);
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(std::tie(rows[i].type, rows[i].day, rows[i].meeting_id, rows[i].events),
              std::tie(want[i].type, want[i].day, want[i].meeting_id, want[i].events));
  }
}

TEST(TimeText, FormatsAndParsesUtc) {
  EXPECT_EQ(FormatIsoMs(kT0 + 123), "2024-11-28T05:00:00.123Z");
  EXPECT_EQ(FormatIsoMs(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatIsoMs(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtcDay(951782400000), "2000-02-29");
  int64_t ms = 0;
  ASSERT_TRUE(ParseTimeBound("2024-11-28T05:00:00.123Z", false, &ms).ok());
  EXPECT_EQ(ms, kT0 + 123);
  ASSERT_TRUE(ParseTimeBound("2024-11-28T07:00:00+02:00", false, &ms).ok());
  EXPECT_EQ(ms, kT0);
  ASSERT_TRUE(ParseTimeBound("2024-11-28T05:00Z", false, &ms).ok());
  EXPECT_EQ(ms, kT0);
  ASSERT_TRUE(ParseTimeBound("2024-11-28", false, &ms).ok());
  EXPECT_EQ(ms, kT0 - 5 * 3600000);
  ASSERT_TRUE(ParseTimeBound("2024-11-28", true, &ms).ok());
  EXPECT_EQ(ms, kT0 - 5 * 3600000 + kDay);
  ASSERT_TRUE(ParseTimeBound("1732770000123", false, &ms).ok());
  EXPECT_EQ(ms, kT0 + 123);
  for (const char* bad : {"", "2024-13-01", "2024-11-28T25:00Z", "2024-11-28T05:00:00Zjunk",
                          "12345678901234567890", "2024-11-28T05", "-"}) {
    EXPECT_FALSE(ParseTimeBound(bad, false, &ms).ok()) << bad;
  }
}

}  // namespace
}  // namespace confab::views
