// The categories of Markus Kuhn's UTF-8 decoder stress test (UTF-8-test.txt): correct text, boundary
// code points, malformed sequences, impossible bytes, overlong forms, surrogates.
#include "util/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace confab {
namespace {

// Every code point of `s`, nullopt for each malformed step.
std::vector<std::optional<uint32_t>> Decode(std::string_view s) {
  std::vector<std::optional<uint32_t>> out;
  for (size_t i = 0; i < s.size();) out.push_back(NextCodePoint(s, &i));
  return out;
}

TEST(Utf8Test, CorrectText) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("plain ascii that is longer than eight bytes"));
  EXPECT_TRUE(IsValidUtf8("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5"));  // κόσμε (Kuhn 1)
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x91\x8D"));     // é € 👍
  EXPECT_EQ(Decode("a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x91\x8D"),
            (std::vector<std::optional<uint32_t>>{0x61, 0xE9, 0x20AC, 0x1F44D}));
  EXPECT_TRUE(IsValidUtf8(std::string("nul \0 inside", 12)));  // U+0000 is a character
}

TEST(Utf8Test, BoundaryCodePoints) {
  // First and last of each length (Kuhn 2.1, 2.2) and around the surrogates (2.3).
  const std::vector<std::pair<std::string, uint32_t>> ok = {
      {std::string("\x00", 1), 0x0},
      {"\x7F", 0x7F},
      {"\xC2\x80", 0x80},
      {"\xDF\xBF", 0x7FF},
      {"\xE0\xA0\x80", 0x800},
      {"\xEF\xBF\xBF", 0xFFFF},
      {"\xF0\x90\x80\x80", 0x10000},
      {"\xED\x9F\xBF", 0xD7FF},
      {"\xEE\x80\x80", 0xE000},
      {"\xEF\xBF\xBD", 0xFFFD},
      {"\xF4\x8F\xBF\xBF", 0x10FFFF},
  };
  for (const auto& [bytes, cp] : ok) {
    EXPECT_TRUE(IsValidUtf8(bytes)) << cp;
    size_t i = 0;
    EXPECT_EQ(NextCodePoint(bytes, &i), std::optional<uint32_t>(cp));
    EXPECT_EQ(i, bytes.size());
  }
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // U+110000
  EXPECT_FALSE(IsValidUtf8("\xF7\xBF\xBF\xBF"));  // U+1FFFFF, the last 4-byte form
}

TEST(Utf8Test, FiveAndSixByteFormsAreNotUtf8) {
  EXPECT_FALSE(IsValidUtf8("\xF8\x88\x80\x80\x80"));      // U+200000 (Kuhn 2.1.5)
  EXPECT_FALSE(IsValidUtf8("\xFC\x84\x80\x80\x80\x80"));  // U+4000000 (2.1.6)
  EXPECT_FALSE(IsValidUtf8("\xFB\xBF\xBF\xBF\xBF"));      // U+3FFFFFF (2.2.5)
  EXPECT_FALSE(IsValidUtf8("\xFD\xBF\xBF\xBF\xBF\xBF"));  // U+7FFFFFFF (2.2.6)
}

TEST(Utf8Test, UnexpectedContinuationBytes) {
  for (int b = 0x80; b <= 0xBF; ++b) EXPECT_FALSE(IsValidUtf8(std::string(1, static_cast<char>(b)))) << b;
  EXPECT_FALSE(IsValidUtf8("\x80\xBF"));
  EXPECT_FALSE(IsValidUtf8("ok \xC3\xA9\xA9"));  // one continuation too many
}

TEST(Utf8Test, LonelyStartBytes) {
  // A lead byte followed by a space instead of its continuation bytes (Kuhn 3.2).
  for (int b = 0xC0; b <= 0xFD; ++b) {
    EXPECT_FALSE(IsValidUtf8(std::string(1, static_cast<char>(b)) + " ")) << b;
  }
}

TEST(Utf8Test, TruncatedSequences) {
  // Each length with its last byte missing (Kuhn 3.3), alone, at the end of a long ASCII run, and
  // concatenated (3.4).
  for (const std::string cut :
       {"\xC2", "\xE0\xA0", "\xE2\x82", "\xF0\x90\x80", "\xF4\x8F\xBF", "\xDF", "\xEF\xBF", "\xF0\x9F\x91"}) {
    EXPECT_FALSE(IsValidUtf8(cut));
    EXPECT_FALSE(IsValidUtf8("abcdefghijklmnop" + cut));
    EXPECT_FALSE(IsValidUtf8(cut + "abcdefghijklmnop"));
  }
  EXPECT_FALSE(IsValidUtf8("\xC2\xE0\xA0\xF0\x90\x80\xDF\xEF\xBF\xF4\x8F\xBF"));
  // A cut sequence decodes as one malformed step per byte, then the text goes on.
  EXPECT_EQ(Decode("\xE2\x82x"), (std::vector<std::optional<uint32_t>>{std::nullopt, std::nullopt, 'x'}));
}

TEST(Utf8Test, ImpossibleBytes) {
  EXPECT_FALSE(IsValidUtf8("\xFE"));
  EXPECT_FALSE(IsValidUtf8("\xFF"));
  EXPECT_FALSE(IsValidUtf8("\xFE\xFE\xFF\xFF"));
}

TEST(Utf8Test, OverlongForms) {
  // "/" (Kuhn 4.1), the largest overlongs (4.2) and overlong NUL (4.3), at every length.
  for (const std::string overlong :
       {"\xC0\xAF", "\xE0\x80\xAF", "\xF0\x80\x80\xAF", "\xF8\x80\x80\x80\xAF", "\xFC\x80\x80\x80\x80\xAF",
        "\xC1\xBF", "\xE0\x9F\xBF", "\xF0\x8F\xBF\xBF", "\xC0\x80", "\xE0\x80\x80", "\xF0\x80\x80\x80"}) {
    EXPECT_FALSE(IsValidUtf8(overlong)) << overlong.size();
  }
}

TEST(Utf8Test, SurrogatesAreNotCharacters) {
  // Single (Kuhn 5.1) and paired (5.2) UTF-16 surrogates encoded as if they were code points.
  for (const std::string s :
       {"\xED\xA0\x80", "\xED\xAD\xBF", "\xED\xAE\x80", "\xED\xAF\xBF", "\xED\xB0\x80", "\xED\xBE\x80",
        "\xED\xBF\xBF", "\xED\xA0\x80\xED\xB0\x80", "\xED\xAF\xBF\xED\xBF\xBF"}) {
    EXPECT_FALSE(IsValidUtf8(s));
  }
}

TEST(Utf8Test, NoncharactersAreWellFormed) {
  // U+FFFE, U+FFFF, U+FDD0 (Kuhn 5.3) are code points like any other for UTF-8.
  EXPECT_TRUE(IsValidUtf8("\xEF\xBF\xBE\xEF\xBF\xBF\xEF\xB7\x90"));
}

TEST(Utf8Test, AFaultAnywhereInALongTextIsFound) {
  const std::string text = "The quick brown fox \xE2\x80\x94 jumps over the lazy dog \xF0\x9F\x90\x95. ";
  std::string long_text;
  for (int i = 0; i < 50; ++i) long_text += text;
  ASSERT_TRUE(IsValidUtf8(long_text));
  for (size_t at = 0; at < long_text.size(); at += 37) {
    std::string broken = long_text;
    broken[at] = '\xFF';
    EXPECT_FALSE(IsValidUtf8(broken)) << at;
  }
}

}  // namespace
}  // namespace confab
