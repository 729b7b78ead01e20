// The exceptions file's reader: the shipped file, and each way a line can be wrong.
#include <gtest/gtest.h>

#include "calendar_support.hpp"

using notifications::HolidayDataError;
using notifications::parse_holiday_exceptions;
using test_support::ymd;

namespace {

std::string error_of(std::string_view text) {
  try {
    parse_holiday_exceptions(text, "x.tsv");
  } catch (const HolidayDataError& e) {
    return e.what();
  }
  return "(accepted)";
}

}  // namespace

TEST(HolidayExceptions, ShippedFileHoldsTheSpecialLawsSince1959) {
  const auto exceptions = parse_holiday_exceptions(test_support::read_text(test_support::exceptions_path()),
                                                   "config/holidays/exceptions.tsv");
  ASSERT_EQ(exceptions.size(), 12u);
  EXPECT_EQ(exceptions.front().date, ymd(1959, 4, 10));
  EXPECT_EQ(exceptions.front().name, "結婚の儀");
  EXPECT_FALSE(exceptions.front().instead_of);
  const auto& umi = exceptions[6];
  EXPECT_EQ(umi.date, ymd(2020, 7, 23));
  EXPECT_EQ(umi.name, "海の日");
  EXPECT_EQ(umi.instead_of, ymd(2020, 7, 20));
  EXPECT_NE(umi.basis.find("特別措置法"), std::string::npos);
  EXPECT_GT(umi.line, 1);
}

TEST(HolidayExceptions, SkipsCommentsAndBlankLinesAndReadsCrLf) {
  const auto exceptions = parse_holiday_exceptions(
      "# a comment\r\n\r\n   \n2019-05-01\t即位の日\t-\t平成30年法律第99号\r\n"
      "2020-07-24\tスポーツの日\t2020-10-12\t特措法",
      "x.tsv");
  ASSERT_EQ(exceptions.size(), 2u);
  EXPECT_EQ(exceptions[0].line, 4);
  EXPECT_EQ(exceptions[0].basis, "平成30年法律第99号");
  EXPECT_EQ(exceptions[1].instead_of, ymd(2020, 10, 12));
  EXPECT_TRUE(parse_holiday_exceptions("", "x.tsv").empty());
}

TEST(HolidayExceptions, NamesEveryBadLineWithItsNumber) {
  const auto error = error_of(
      "2019-05-01\t即位の日\t-\tok\n"
      "2019-05-02 即位の日 - spaces\n"
      "2019-02-30\t何か\t-\tno such day\n"
      "2019-10-22\t即位礼正殿の儀\tsoon\tbad instead-of\n");
  EXPECT_EQ(error.find("x.tsv:1:"), std::string::npos) << error;
  EXPECT_NE(error.find("x.tsv:2: 1 tab-separated fields, expected 4"), std::string::npos) << error;
  EXPECT_NE(error.find("x.tsv:3: date \"2019-02-30\""), std::string::npos) << error;
  EXPECT_NE(error.find("x.tsv:4: instead of \"soon\""), std::string::npos) << error;
}

TEST(HolidayExceptions, RefusesWhatCannotBeMeant) {
  EXPECT_NE(error_of("2019-05-01\t\t-\tbasis").find("name"), std::string::npos);
  EXPECT_NE(error_of("2019-05-01\t即位の日\t-\t ").find("basis"), std::string::npos);
  EXPECT_NE(error_of("2019-5-1\t即位の日\t-\tbasis").find("YYYY-MM-DD"), std::string::npos);
  EXPECT_NE(error_of("2020-07-23\t海の日\t2020-07-23\tbasis").find("already"), std::string::npos);
  EXPECT_NE(error_of("2019-05-01\ta\t-\tb\n2019-05-01\tc\t-\td").find("x.tsv:2: a second exception"),
            std::string::npos);
  EXPECT_NE(error_of("2019-05-01\t\xff\t-\tb").find("invalid UTF-8"), std::string::npos);
}
