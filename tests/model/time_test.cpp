// The one time parser of the CLI's arguments and the HTTP API's parameters.
#include "model/time.hpp"

#include <gtest/gtest.h>

using model::format_jst;
using model::format_utc;
using model::parse_time;

TEST(Time, ReadsRfc3339AndBareDatesAsJst) {
  EXPECT_EQ(format_utc(parse_time("2020-04-01")), "2020-03-31T15:00:00.000000Z");
  EXPECT_EQ(format_utc(parse_time("2020-04-01T09:00:00+09:00")), "2020-04-01T00:00:00.000000Z");
  EXPECT_EQ(format_utc(parse_time("2020-04-01T00:00:00.5Z")), "2020-04-01T00:00:00.500000Z");
  EXPECT_EQ(format_utc(parse_time("2020-04-01 00:00:00.000001-01:30")), "2020-04-01T01:30:00.000001Z");
  EXPECT_EQ(format_utc(parse_time("2020-04-01t00:00:00z")), "2020-04-01T00:00:00.000000Z");
  EXPECT_EQ(format_jst(parse_time("2020-03-31T15:00:00Z")), "2020-04-01 00:00:00 JST");
}

TEST(Time, RefusesWhatIsNoTimeNamingTheTextAndWhy) {
  for (const char* bad : {"2020-02-30", "2020-04-01T09:00:00", "2020-04-01T25:00:00Z", "yesterday", "2020-04-01T09:00Z", "2020-04-01Z",
                          "2020-04-01T09:00:00+9:00", "2020-04-01T09:00:00Zjunk", "2020-04-01T09:00:00.Z", ""}) {
    EXPECT_THROW(parse_time(bad), model::TimeError) << bad;
  }
  try {
    parse_time("2020-04-01T09:00:00");
    FAIL();
  } catch (const model::TimeError& e) {
    EXPECT_NE(std::string(e.what()).find("\"2020-04-01T09:00:00\""), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no offset"), std::string::npos) << e.what();
  }
}

// system_clock holds 1677–2262: a year past it would wrap around (since=2999-… once became a
// time in 1800 and matched every event), so the parser keeps to 1900–2200.
TEST(Time, YearsOutsideTheClocksRangeAreRefusedNotWrapped) {
  EXPECT_THROW(parse_time("2999-01-01T00:00:00Z"), model::TimeError);
  EXPECT_THROW(parse_time("1800-01-01"), model::TimeError);
  EXPECT_EQ(format_utc(parse_time("2200-12-31T00:00:00Z")), "2200-12-31T00:00:00.000000Z");
  EXPECT_EQ(format_utc(parse_time("1900-01-01T00:00:00Z")), "1900-01-01T00:00:00.000000Z");
}
