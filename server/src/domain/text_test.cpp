#include "domain/text.hpp"

#include <gtest/gtest.h>

namespace confab::domain {
namespace {

TEST(CodePointCount, CountsCodePointsNotBytes) {
  EXPECT_EQ(CodePointCount(""), 0u);
  EXPECT_EQ(CodePointCount("abc"), 3u);
  EXPECT_EQ(CodePointCount("\xC3\xA9"), 1u);                  // é, 2 bytes
  EXPECT_EQ(CodePointCount("\xE2\x82\xAC"), 1u);              // €, 3 bytes
  EXPECT_EQ(CodePointCount("\xF0\x9F\x8E\x89!"), 2u);         // 🎉!, 4 + 1 bytes
  EXPECT_EQ(CodePointCount("\xE2\x9D\xA4\xEF\xB8\x8F"), 2u);  // ❤️ is two code points
}

TEST(IsBlank, OnlyUnicodeWhiteSpaceIsBlank) {
  EXPECT_TRUE(IsBlank(""));
  EXPECT_TRUE(IsBlank(" \t\r\n\v\f"));
  EXPECT_TRUE(IsBlank("\xC2\xA0"));      // U+00A0 no-break space
  EXPECT_TRUE(IsBlank("\xE3\x80\x80"));  // U+3000 ideographic space
  EXPECT_TRUE(IsBlank("\xE2\x80\xA8"));  // U+2028 line separator
  EXPECT_FALSE(IsBlank(" a "));
  EXPECT_FALSE(IsBlank("\xEF\xBB\xBF"));  // U+FEFF is not White_Space (JavaScript's \s says it is)
  EXPECT_FALSE(IsBlank("\xE2\x80\x8B"));  // U+200B zero width space is not White_Space either
  EXPECT_FALSE(IsBlank("\xFF"));          // malformed bytes are never blank
}

}  // namespace
}  // namespace confab::domain
