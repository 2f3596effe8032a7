#include "domain/fields.hpp"

#include <gtest/gtest.h>

namespace confab::domain {
namespace {

using nlohmann::json;

TEST(IntField, AcceptsIntegersAndIntegralFloatsOnly) {
  json d = json::parse(R"({"a": 5, "b": 5.0, "c": 2.5, "d": "5", "e": true, "f": -3, "g": 1e300,
                           "h": 18446744073709551615, "i": null})");
  EXPECT_EQ(IntField(d, "a"), 5);
  EXPECT_EQ(IntField(d, "b"), 5);
  EXPECT_EQ(IntField(d, "c"), std::nullopt);
  EXPECT_EQ(IntField(d, "d"), std::nullopt);
  EXPECT_EQ(IntField(d, "e"), std::nullopt);
  EXPECT_EQ(IntField(d, "f"), -3);
  EXPECT_EQ(IntField(d, "g"), std::nullopt);
  EXPECT_EQ(IntField(d, "h"), std::nullopt);
  EXPECT_EQ(IntField(d, "i"), std::nullopt);
  EXPECT_EQ(IntField(d, "missing"), std::nullopt);
}

TEST(Fields, NonObjectsHaveNoMembers) {
  for (const json& v : {json(nullptr), json(3), json("x"), json::array({1, 2})}) {
    EXPECT_EQ(Member(v, "a"), nullptr);
    EXPECT_EQ(StrField(v, "a"), std::nullopt);
    EXPECT_EQ(BoolField(v, "a"), std::nullopt);
  }
}

TEST(StrField, OnlyStrings) {
  json d = {{"s", "x"}, {"n", 1}, {"z", nullptr}};
  EXPECT_EQ(StrField(d, "s"), "x");
  EXPECT_EQ(StrField(d, "n"), std::nullopt);
  EXPECT_EQ(StrField(d, "z"), std::nullopt);
}

}  // namespace
}  // namespace confab::domain
