#include <gtest/gtest.h>

#include "model/text.hpp"

TEST(Text, AcceptsJapaneseUtf8) {
  EXPECT_TRUE(model::is_valid_utf8("地域福祉課・生活自立支援課"));
  EXPECT_TRUE(model::is_valid_utf8(""));
  EXPECT_TRUE(model::is_valid_utf8("\xF0\x9F\x98\x80"));  // U+1F600
}

TEST(Text, FindsTheFirstMalformedByte) {
  EXPECT_EQ(model::first_invalid_utf8("ab\xFF" "cd"), 2u);
  EXPECT_EQ(model::first_invalid_utf8("課\xE8\xAA"), 3u);         // cut short
  EXPECT_EQ(model::first_invalid_utf8("\xC0\xAF"), 0u);           // overlong '/'
  EXPECT_EQ(model::first_invalid_utf8("\xED\xA0\x80"), 0u);       // surrogate
  EXPECT_EQ(model::first_invalid_utf8("\xF4\x90\x80\x80"), 0u);   // beyond U+10FFFF
  // Shift_JIS for 地域 is not UTF-8.
  EXPECT_FALSE(model::is_valid_utf8("\x92\x6E\x88\xE6"));
}

TEST(Text, TrimsAsciiAndIdeographicSpace) {
  EXPECT_EQ(model::trim("  成果 \t"), "成果");
  EXPECT_EQ(model::trim("\u3000今後の方針\u3000 "), "今後の方針");
  EXPECT_EQ(model::trim(" \u3000 "), "");
  EXPECT_EQ(model::trim("内 容"), "内 容");
}

// RFC 4180: the CSV of the audit log (CLI and HTTP) and of the progress table quote alike.
TEST(Text, CsvFieldsAreQuotedOnlyWhenTheyMustBe) {
  EXPECT_EQ(model::csv_field("地域福祉課"), "地域福祉課");
  EXPECT_EQ(model::csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(model::csv_field("言う\"はい\""), "\"言う\"\"はい\"\"\"");
  EXPECT_EQ(model::csv_field("一行目\r\n二行目"), "\"一行目\r\n二行目\"");
  EXPECT_EQ(model::csv_field(""), "");
  EXPECT_EQ(model::quoted(""), "\"\"");
}
