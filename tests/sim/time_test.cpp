// Durations print and parse as "250ms", "1.5s", "20m", "2h", "7d" (SPEC §3), exactly.
#include "sim/time.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "sim/random.h"

namespace hsmsim::sim {
namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

TEST(ParseDuration, AcceptsEveryUnitAndExactFractions) {
  struct Case {
    const char* text;
    Duration expected;
  };
  const std::vector<Case> cases = {
      {"250ms", Duration::milliseconds(250)},
      {"1.5s", Duration::milliseconds(1500)},
      {"20m", Duration::minutes(20)},
      {"2h", Duration::hours(2)},
      {"7d", Duration::days(7)},
      {"10us", Duration::microseconds(10)},
      {"5ns", Duration::nanoseconds(5)},
      {"0", Duration::zero()},
      {"0s", Duration::zero()},
      {"1.000000001s", Duration::nanoseconds(1'000'000'001)},
      {"0.5ms", Duration::microseconds(500)},
      {"1.25h", Duration::minutes(75)},
      {"1.50s", Duration::milliseconds(1500)},
      {"106751d", Duration::days(106751)},
  };
  for (const Case& c : cases) {
    const std::optional<Duration> parsed = parse_duration(c.text);
    ASSERT_TRUE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed->ns(), c.expected.ns()) << c.text;
  }
}

TEST(ParseDuration, AcceptsTheLargestCountAndNothingAbove) {
  EXPECT_EQ(parse_duration(std::to_string(kMax) + "ns")->ns(), kMax);
  EXPECT_FALSE(parse_duration("9223372036854775808ns").has_value());
  EXPECT_EQ(parse_duration(format_duration(Duration::max()))->ns(), kMax);
  EXPECT_FALSE(parse_duration("106752d").has_value());
}

TEST(ParseDuration, RejectsMalformedNegativeInexactAndOverflowingText) {
  for (const char* bad :
       {"",     "1",     "-1s",      "1.s",   ".5s", "1x",  "1.0000000001s", "999999999999d",
        "s",    "1 s",   " 1s",      "1s ",   "1ss", "1.5", "+1s",           "1e3ms",
        "1,5s", "0.5ns", "1.0001us", "0x10s", "1S",  "1MS", "nan",           "inf"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << '"' << bad << '"';
  }
}

TEST(FormatDuration, PicksTheLargestUnitThatIsExact) {
  EXPECT_EQ(format_duration(Duration::seconds(90)), "1.5m");
  EXPECT_EQ(format_duration(Duration::milliseconds(1500)), "1.5s");
  EXPECT_EQ(format_duration(Duration::nanoseconds(1)), "1ns");
  EXPECT_EQ(format_duration(Duration::zero()), "0s");
  EXPECT_EQ(format_duration(Duration::milliseconds(250)), "250ms");
  EXPECT_EQ(format_duration(Duration::minutes(20)), "20m");
  EXPECT_EQ(format_duration(Duration::hours(2)), "2h");
  EXPECT_EQ(format_duration(Duration::days(7)), "7d");
  EXPECT_EQ(format_duration(Duration::hours(36)), "1.5d");
  EXPECT_EQ(format_duration(Duration::nanoseconds(1'000'000'001)), "1.000000001s");
  // 1d + 1ns needs more than 9 decimals in d, h or m: seconds is the largest exact unit.
  EXPECT_EQ(format_duration(Duration::days(1) + Duration::nanoseconds(1)), "86400.000000001s");
  EXPECT_EQ(format_duration(Duration::seconds(-90)), "-1.5m");
}

void expect_round_trip(Duration d) {
  const std::string text = format_duration(d);
  const std::optional<Duration> back = parse_duration(text);
  ASSERT_TRUE(back.has_value()) << d.ns() << " -> " << text;
  EXPECT_EQ(back->ns(), d.ns()) << text;
}

TEST(FormatDuration, RoundTripsThroughParseForEveryUnitAndEdge) {
  const std::vector<int64_t> units = {
      1, 1'000, 1'000'000, 1'000'000'000, 60'000'000'000, 3'600'000'000'000, 86'400'000'000'000};
  for (int64_t unit : units) {
    for (int64_t k : {1, 2, 3, 7, 9, 10, 11, 59, 60, 61, 999, 1000, 1001, 123456}) {
      if (k > (kMax - unit) / unit) {
        continue;  // k * unit + offset would not fit in int64
      }
      for (int64_t offset : {int64_t{-1}, int64_t{0}, int64_t{1}, unit / 2, unit / 3}) {
        const int64_t ns = unit * k + offset;
        if (ns >= 0) {
          expect_round_trip(Duration::nanoseconds(ns));
        }
      }
    }
  }
  for (int64_t ns : {int64_t{0}, kMax, kMax - 1, kMax / 2, int64_t{1} << 62}) {
    expect_round_trip(Duration::nanoseconds(ns));
  }
}

TEST(FormatDuration, RoundTripsThroughParseForRandomValues) {
  RandomStream rng(42, "time_test");
  for (int i = 0; i < 100'000; ++i) {
    // Spread over every magnitude: a random value masked to a random bit length.
    const int bits = static_cast<int>(rng.next_below(63)) + 1;
    const auto ns = static_cast<int64_t>(rng.next_u64() >> (64 - bits));
    expect_round_trip(Duration::nanoseconds(ns));
  }
}

RC_GTEST_PROP(FormatDuration, ParseOfFormatIsIdentity, ()) {
  const int64_t ns = *rc::gen::inRange<int64_t>(0, kMax);
  const std::optional<Duration> back = parse_duration(format_duration(Duration::nanoseconds(ns)));
  RC_ASSERT(back.has_value());
  RC_ASSERT(back->ns() == ns);
}

RC_GTEST_PROP(FormatDuration, WholeUnitsPrintAsIntegers, ()) {
  const int64_t k = *rc::gen::inRange<int64_t>(1, 1'000'000);
  // k * 1000 ms is k seconds (or a larger unit), never printed in ms.
  const std::string text = format_duration(Duration::milliseconds(k * 1000));
  RC_ASSERT(text.find("ms") == std::string::npos);
  RC_ASSERT(parse_duration(text)->ns() == Duration::seconds(k).ns());
}

TEST(Time, PointsAndSpansCombineAsExpected) {
  const Time t = Time::zero() + Duration::minutes(2);
  EXPECT_EQ(t.ns(), 120'000'000'000);
  EXPECT_EQ((t - Time::zero()).ns(), Duration::minutes(2).ns());
  EXPECT_EQ(format_time(t), "2m");
  EXPECT_LT(Time::zero(), t);
}

// What saturating_ns must equal: std::round, clamped to [0, int64 max] (NaN saturates).
int64_t saturating_reference(double ns) {
  const double rounded = std::round(ns);
  if (!(rounded < 0x1p63)) return std::numeric_limits<int64_t>::max();
  return static_cast<int64_t>(std::max(rounded, 0.0));
}

TEST(SaturatingNs, AgreesWithRoundOnHalvesNeighboursAndBounds) {
  const std::vector<double> values = {0.0,
                                      -0.0,
                                      0.5,
                                      -0.5,
                                      1.5,
                                      2.5,
                                      -2.5,
                                      0.49999999999999994,
                                      -0.49999999999999994,
                                      4503599627370495.5,
                                      4503599627370497.0,
                                      9007199254740993.0,
                                      1e18,
                                      -1e18,
                                      0x1p62,
                                      -0x1p62,
                                      0x1p63,
                                      1e300,
                                      std::numeric_limits<double>::infinity(),
                                      -std::numeric_limits<double>::infinity(),
                                      std::numeric_limits<double>::quiet_NaN()};
  for (double x : values) {
    EXPECT_EQ(saturating_ns(x), saturating_reference(x)) << x;
    EXPECT_EQ(saturating_ns(std::nextafter(x, 1e300)),
              saturating_reference(std::nextafter(x, 1e300)))
        << x;
    EXPECT_EQ(saturating_ns(std::nextafter(x, -1e300)),
              saturating_reference(std::nextafter(x, -1e300)))
        << x;
  }
  EXPECT_EQ(saturating_ns(2.5), 3);  // halves away from zero, as std::llround
  EXPECT_EQ(saturating_ns(-7.0), 0);
  EXPECT_EQ(saturating_ns(1e300), std::numeric_limits<int64_t>::max());
}

RC_GTEST_PROP(SaturatingNs, AgreesWithRound, ()) {
  // Doubles of every magnitude the data plane rounds (service times, gaps), both signs.
  const double mantissa = *rc::gen::inRange<int64_t>(-(int64_t{1} << 53), int64_t{1} << 53);
  const int exponent = *rc::gen::inRange(-60, 12);
  const double x = std::ldexp(mantissa, exponent);
  RC_ASSERT(saturating_ns(x) == saturating_reference(x));
}

}  // namespace
}  // namespace hsmsim::sim
