// Distributions of SPEC §3, each checked against its analytic CDF by a one-sample
// Kolmogorov-Smirnov test at a fixed seed, and its sample mean against the analytic mean.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "sim/random.h"

namespace hsmsim::sim {
namespace {

constexpr int kN = 20'000;
// Critical value of the one-sample KS statistic at alpha = 0.001 (asymptotic).
const double kKsCritical = 1.949 / std::sqrt(static_cast<double>(kN));

using Cdf = std::function<double(double)>;

// sup |F_n - F| over the sample. F's left limit is used below each point, so an atom of F
// (empirical first value, constant) is not mistaken for a gap.
double ks_statistic(std::vector<double> samples, const Cdf& cdf) {
  std::sort(samples.begin(), samples.end());
  const auto n = static_cast<double>(samples.size());
  double d = 0;
  for (size_t i = 0; i < samples.size(); ++i) {
    const double x = samples[i];
    const double f = cdf(x);
    const double f_left = cdf(std::nextafter(x, -std::numeric_limits<double>::infinity()));
    d = std::max({d, (static_cast<double>(i) + 1) / n - f, f_left - static_cast<double>(i) / n});
  }
  return d;
}

std::vector<double> sample(const Distribution& dist, const std::string& stream, int n = kN) {
  RandomStream rng(2024, stream);
  std::vector<double> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    out.push_back(dist.sample_ns(rng));
  }
  return out;
}

struct Moments {
  double mean, stddev;
};
Moments moments(const std::vector<double>& xs) {
  double sum = 0;
  for (double x : xs) {
    sum += x;
  }
  const double mean = sum / static_cast<double>(xs.size());
  double ss = 0;
  for (double x : xs) {
    ss += (x - mean) * (x - mean);
  }
  return {mean, std::sqrt(ss / static_cast<double>(xs.size() - 1))};
}

// The KS test passes, the sample mean is within 5 standard errors of the analytic mean, and
// no draw is negative.
void expect_matches(const Distribution& dist, const std::string& stream) {
  const std::vector<double> xs = sample(dist, stream);
  const double d = ks_statistic(xs, [&](double x) { return dist.cdf(x); });
  EXPECT_LT(d, kKsCritical) << dist.describe();
  const Moments m = moments(xs);
  const double standard_error = m.stddev / std::sqrt(static_cast<double>(xs.size()));
  EXPECT_NEAR(m.mean, dist.mean_ns(), 5 * standard_error + 1e-9 * dist.mean_ns())
      << dist.describe();
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 0.0) << dist.describe();
}

const double kMs = 1e6;

// --- the KS helper itself -----------------------------------------------------------------

TEST(KsHelper, RejectsASampleFromADifferentDistribution) {
  const auto xs = sample(Distribution::exponential(Duration::milliseconds(2)), "ks");
  const Distribution wrong = Distribution::exponential(Duration::microseconds(2200));
  EXPECT_GT(ks_statistic(xs, [&](double x) { return wrong.cdf(x); }), kKsCritical);
  const Distribution right = Distribution::exponential(Duration::milliseconds(2));
  EXPECT_LT(ks_statistic(xs, [&](double x) { return right.cdf(x); }), kKsCritical);
}

TEST(KsHelper, RejectsAShiftedUniform) {
  const auto xs = sample(Distribution::uniform(Duration::zero(), Duration::seconds(1)), "ks");
  EXPECT_GT(ks_statistic(xs, [](double x) { return std::clamp((x - 2e7) / 1e9, 0.0, 1.0); }),
            kKsCritical);
}

TEST(KsHelper, MeasuresTheLargestGapExactly) {
  // Two points at 0 and 1 against U(0, 2): F_n jumps to 1/2 at 0 (F = 0) and to 1 at 1
  // (F = 1/2): D = 1/2.
  EXPECT_DOUBLE_EQ(ks_statistic({0.0, 1.0}, [](double x) { return std::clamp(x / 2, 0.0, 1.0); }),
                   0.5);
}

// --- standard variates --------------------------------------------------------------------

TEST(StandardVariates, ExponentialMatchesItsCdf) {
  RandomStream rng(1, "exp");
  std::vector<double> xs;
  xs.reserve(kN);
  for (int i = 0; i < kN; ++i) {
    xs.push_back(rng.next_exponential());
  }
  EXPECT_LT(ks_statistic(xs, [](double x) { return x <= 0 ? 0.0 : -std::expm1(-x); }), kKsCritical);
}

TEST(StandardVariates, NormalMatchesItsCdf) {
  RandomStream rng(1, "normal");
  std::vector<double> xs;
  xs.reserve(kN);
  for (int i = 0; i < kN; ++i) {
    xs.push_back(rng.next_normal());
  }
  EXPECT_LT(ks_statistic(xs, [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }),
            kKsCritical);
}

TEST(StandardVariates, ExponentialTailBeyondTheZigguratBaseIsRight) {
  // The ziggurat's base layer (x > r = 7.697) and wedges are rare paths: check them on many
  // draws. P(X > 7.697) = 4.54e-4; beyond the base the excess must again be Exp(1).
  RandomStream rng(2, "exp-tail");
  constexpr int kDraws = 4'000'000;
  constexpr double kR = 7.69711747013104972;
  std::vector<double> excess;
  double sum = 0, sum_sq = 0;
  for (int i = 0; i < kDraws; ++i) {
    const double x = rng.next_exponential();
    ASSERT_GE(x, 0.0);
    sum += x;
    sum_sq += x * x;
    if (x > kR) {
      excess.push_back(x - kR);
    }
  }
  const double expected = kDraws * std::exp(-kR);
  EXPECT_NEAR(static_cast<double>(excess.size()), expected, 5 * std::sqrt(expected));
  EXPECT_LT(ks_statistic(excess, [](double x) { return x <= 0 ? 0.0 : -std::expm1(-x); }),
            1.949 / std::sqrt(static_cast<double>(excess.size())));
  EXPECT_NEAR(sum / kDraws, 1.0, 5 / std::sqrt(kDraws));
  EXPECT_NEAR(sum_sq / kDraws, 2.0, 5 * std::sqrt(20.0 / kDraws));  // E X^2 = 2, Var X^2 = 20
}

TEST(StandardVariates, NormalIsSymmetricWithUnitVarianceAndRightTails) {
  RandomStream rng(2, "normal-tail");
  constexpr int kDraws = 4'000'000;
  constexpr double kR = 3.6541528853610088;
  double sum = 0, sum_sq = 0, sum_cube = 0;
  std::vector<double> beyond;
  for (int i = 0; i < kDraws; ++i) {
    const double x = rng.next_normal();
    sum += x;
    sum_sq += x * x;
    sum_cube += x * x * x;
    if (std::abs(x) > kR) {
      beyond.push_back(std::abs(x));
    }
  }
  EXPECT_NEAR(sum / kDraws, 0.0, 5 / std::sqrt(kDraws));
  EXPECT_NEAR(sum_sq / kDraws, 1.0, 5 * std::sqrt(2.0 / kDraws));
  EXPECT_NEAR(sum_cube / kDraws, 0.0, 5 * std::sqrt(15.0 / kDraws));
  const double tail = std::erfc(kR / std::sqrt(2.0));  // P(|Z| > r)
  EXPECT_NEAR(static_cast<double>(beyond.size()), kDraws * tail, 5 * std::sqrt(kDraws * tail));
  // |Z| conditioned on |Z| > r: F(x) = 1 - erfc(x / sqrt 2) / erfc(r / sqrt 2).
  EXPECT_LT(ks_statistic(beyond,
                         [&](double x) {
                           return x <= kR ? 0.0 : 1.0 - std::erfc(x / std::sqrt(2.0)) / tail;
                         }),
            1.949 / std::sqrt(static_cast<double>(beyond.size())));
}

// --- each form ----------------------------------------------------------------------------

TEST(Distribution, ConstantAlwaysGivesItsValue) {
  const Distribution d = Distribution::constant(Duration::milliseconds(250));
  RandomStream rng(1, "constant");
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(d.sample_ns(rng), 250 * kMs);
    ASSERT_EQ(d.sample(rng).ns(), Duration::milliseconds(250).ns());
  }
  EXPECT_EQ(d.cdf(250 * kMs - 1), 0.0);
  EXPECT_EQ(d.cdf(250 * kMs), 1.0);
  EXPECT_EQ(d.mean_ns(), 250 * kMs);
  EXPECT_EQ(d.describe(), "250ms");
}

// fixed() stands for sample() only where sampling draws nothing: a constant, whose draws
// leave the stream where it was.
TEST(Distribution, FixedIsTheConstantsDrawAndNothingElse) {
  RandomStream used(3, "fixed");
  RandomStream untouched(3, "fixed");
  const Distribution c = Distribution::constant(Duration::microseconds(150));
  ASSERT_TRUE(c.fixed().has_value());
  EXPECT_EQ(*c.fixed(), c.sample(used));
  EXPECT_EQ(used.next_u64(), untouched.next_u64());
  EXPECT_FALSE(Distribution::exponential(Duration::microseconds(150)).fixed().has_value());
  EXPECT_FALSE(Distribution::uniform(Duration::microseconds(1), Duration::microseconds(2)).fixed());
}

TEST(Distribution, DefaultIsConstantZero) {
  RandomStream rng(1, "default");
  EXPECT_EQ(Distribution().sample(rng).ns(), 0);
  EXPECT_EQ(Distribution().describe(), "0s");
}

TEST(Distribution, UniformMatchesItsCdf) {
  const Distribution d = Distribution::uniform(Duration::minutes(1), Duration::minutes(5));
  expect_matches(d, "uniform");
  const auto xs = sample(d, "uniform");
  EXPECT_GE(*std::min_element(xs.begin(), xs.end()), 60e9);
  EXPECT_LE(*std::max_element(xs.begin(), xs.end()), 300e9);
  EXPECT_DOUBLE_EQ(d.cdf(180e9), 0.5);
  EXPECT_DOUBLE_EQ(d.mean_ns(), 180e9);
  EXPECT_EQ(d.describe(), "{uniform: [1m, 5m]}");
}

TEST(Distribution, UniformWithEqualBoundsIsConstant) {
  const Distribution d = Distribution::uniform(Duration::seconds(1), Duration::seconds(1));
  RandomStream rng(1, "degenerate");
  EXPECT_EQ(d.sample(rng).ns(), Duration::seconds(1).ns());
  EXPECT_EQ(d.cdf(1e9), 1.0);
  EXPECT_EQ(d.cdf(1e9 - 1), 0.0);
}

TEST(Distribution, ExponentialMatchesItsCdf) {
  const Distribution d = Distribution::exponential(Duration::milliseconds(2));
  expect_matches(d, "exponential");
  EXPECT_DOUBLE_EQ(d.cdf(2 * kMs), 1 - std::exp(-1.0));
  EXPECT_EQ(d.cdf(0), 0.0);
  EXPECT_DOUBLE_EQ(d.mean_ns(), 2 * kMs);
  EXPECT_EQ(d.describe(), "{exponential: {mean: 2ms}}");
}

TEST(Distribution, ExponentialWithZeroMeanIsAlwaysZero) {
  const Distribution d = Distribution::exponential(Duration::zero());
  RandomStream rng(1, "zero");
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(d.sample(rng).ns(), 0);
  }
  EXPECT_EQ(d.cdf(0), 1.0);
}

TEST(Distribution, LognormalHasTheGivenMedianAndP99) {
  const Distribution d =
      Distribution::lognormal(Duration::milliseconds(3), Duration::milliseconds(20));
  expect_matches(d, "lognormal");
  EXPECT_NEAR(d.cdf(3 * kMs), 0.5, 1e-12);
  EXPECT_NEAR(d.cdf(20 * kMs), 0.99, 1e-12);
  auto xs = sample(d, "lognormal");
  std::sort(xs.begin(), xs.end());
  EXPECT_NEAR(xs[kN / 2], 3 * kMs, 0.05 * 3 * kMs);
  EXPECT_NEAR(xs[kN * 99 / 100], 20 * kMs, 0.1 * 20 * kMs);
  EXPECT_EQ(d.describe(), "{lognormal: {median: 3ms, p99: 20ms}}");
}

TEST(Distribution, LognormalDescribeRecoversItsParametersExactly) {
  RandomStream rng(9, "lognormal-describe");
  for (int i = 0; i < 1000; ++i) {
    const auto median =
        Duration::nanoseconds(1 + static_cast<int64_t>(rng.next_below(1'000'000'000'000)));
    const auto p99 =
        median + Duration::nanoseconds(1 + static_cast<int64_t>(rng.next_below(1'000'000'000'000)));
    const Distribution d = Distribution::lognormal(median, p99);
    ASSERT_EQ(d.describe(), "{lognormal: {median: " + format_duration(median) +
                                ", p99: " + format_duration(p99) + "}}");
  }
}

TEST(Distribution, NormalFarFromZeroMatchesItsCdf) {
  const Distribution d =
      Distribution::normal(Duration::milliseconds(10), Duration::milliseconds(2));
  expect_matches(d, "normal");
  // Truncation at 0, 5 sigma below the mean, moves the CDF by 3e-7 and the mean by
  // s * phi(5) / (1 - Q(5)) = 2.97ns.
  EXPECT_NEAR(d.cdf(10 * kMs), 0.5, 1e-6);
  EXPECT_NEAR(d.mean_ns(), 10 * kMs + 2.973, 0.01);
  EXPECT_EQ(d.describe(), "{normal: {mean: 10ms, stddev: 2ms}}");
}

TEST(Distribution, NormalTruncatedAtZeroIsRenormalised) {
  // A third of the untruncated mass lies below 0; the CDF and mean must account for it.
  const Distribution d = Distribution::normal(Duration::milliseconds(1), Duration::milliseconds(2));
  expect_matches(d, "normal-truncated");
  EXPECT_EQ(d.cdf(0), 0.0);
  EXPECT_GT(d.mean_ns(), 1 * kMs);
  // Untruncated, P(X <= 1ms) would be 0.5; renormalised it is (0.5 - 0.3085) / 0.6915.
  EXPECT_NEAR(d.cdf(1 * kMs), (0.5 - 0.30853753872598688) / (1 - 0.30853753872598688), 1e-9);
}

TEST(Distribution, NormalWithMeanFarBelowZeroSamplesTheTailExactly) {
  // Built directly (the factory refuses negative means): plain rejection would need ~1e23
  // tries per draw here; the tail sampler must be fast and match the renormalised CDF.
  const Distribution d(Distribution::Normal{-10 * kMs, 1 * kMs});
  expect_matches(d, "normal-tail");
  // Mean of N(-10, 1) truncated to [0, inf) is about 1/a - 2/a^3 = 0.098 (ms).
  EXPECT_NEAR(d.mean_ns(), 0.0980 * kMs, 0.001 * kMs);
  // Near the switch from plain rejection, the tail sampler's proposal differs most from the
  // target: a biased acceptance step would show here.
  expect_matches(Distribution(Distribution::Normal{-1 * kMs, 1 * kMs}), "normal-near-tail");
  const Distribution far(Distribution::Normal{-100 * kMs, 1 * kMs});
  expect_matches(far, "normal-far-tail");
  EXPECT_NEAR(far.mean_ns(), 0.01 * kMs, 0.0001 * kMs);
  EXPECT_GT(far.cdf(0.01 * kMs), 0.5);
}

TEST(Distribution, NormalWithZeroStddevIsConstant) {
  const Distribution d = Distribution::normal(Duration::seconds(3), Duration::zero());
  RandomStream rng(1, "n0");
  EXPECT_EQ(d.sample(rng).ns(), Duration::seconds(3).ns());
  EXPECT_EQ(d.mean_ns(), 3e9);
}

TEST(Distribution, EmpiricalInterpolatesItsInverseCdf) {
  const Distribution d = Distribution::empirical({{0.0, Duration::milliseconds(1)},
                                                  {0.9, Duration::milliseconds(5)},
                                                  {1.0, Duration::milliseconds(20)}});
  expect_matches(d, "empirical");
  EXPECT_DOUBLE_EQ(d.cdf(3 * kMs), 0.45);
  EXPECT_DOUBLE_EQ(d.cdf(5 * kMs), 0.9);
  EXPECT_DOUBLE_EQ(d.mean_ns(), 0.9 * 3 * kMs + 0.1 * 12.5 * kMs);
  EXPECT_EQ(d.describe(), "{empirical: [[0, 1ms], [0.9, 5ms], [1, 20ms]]}");
}

TEST(Distribution, EmpiricalPutsTheMassOfTheFirstPointOnItsValue) {
  // First p = 0.5: half of all draws are exactly 1ms (the documented convention).
  const Distribution d =
      Distribution::empirical({{0.5, Duration::milliseconds(1)}, {1.0, Duration::milliseconds(3)}});
  expect_matches(d, "empirical-atom");
  const auto xs = sample(d, "empirical-atom");
  const auto at_first = std::count(xs.begin(), xs.end(), 1 * kMs);
  EXPECT_NEAR(static_cast<double>(at_first) / kN, 0.5, 5 * std::sqrt(0.25 / kN));
  EXPECT_EQ(d.cdf(1 * kMs - 1), 0.0);
  EXPECT_DOUBLE_EQ(d.cdf(1 * kMs), 0.5);
  EXPECT_DOUBLE_EQ(d.mean_ns(), 0.5 * 1 * kMs + 0.5 * 2 * kMs);
}

TEST(Distribution, EmpiricalWithARepeatedValueHasAnAtomThere) {
  const Distribution d = Distribution::empirical({{0.2, Duration::milliseconds(1)},
                                                  {0.5, Duration::milliseconds(1)},
                                                  {1.0, Duration::milliseconds(2)}});
  expect_matches(d, "empirical-flat");
  EXPECT_DOUBLE_EQ(d.cdf(1 * kMs), 0.5);
}

TEST(Distribution, EmpiricalWithOnePointIsConstant) {
  const Distribution d = Distribution::empirical({{1.0, Duration::seconds(2)}});
  RandomStream rng(1, "one");
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(d.sample(rng).ns(), Duration::seconds(2).ns());
  }
  EXPECT_EQ(d.describe(), "{empirical: [[1, 2s]]}");
}

TEST(Distribution, AWrongCdfIsCaughtForEveryForm) {
  // Guards the tests above: each form's samples, checked against a slightly different
  // distribution of the same form, fail the KS test.
  const std::vector<std::pair<Distribution, Distribution>> pairs = {
      {Distribution::uniform(Duration::minutes(1), Duration::minutes(5)),
       Distribution::uniform(Duration::minutes(1), Duration::seconds(290))},
      {Distribution::lognormal(Duration::milliseconds(3), Duration::milliseconds(20)),
       Distribution::lognormal(Duration::microseconds(3100), Duration::milliseconds(20))},
      {Distribution::normal(Duration::milliseconds(1), Duration::milliseconds(2)),
       Distribution::normal(Duration::microseconds(1100), Duration::milliseconds(2))},
      {Distribution::empirical(
           {{0.5, Duration::milliseconds(1)}, {1.0, Duration::milliseconds(3)}}),
       Distribution::empirical(
           {{0.45, Duration::milliseconds(1)}, {1.0, Duration::milliseconds(3)}})},
  };
  for (const auto& pair : pairs) {
    const Distribution& wrong = pair.second;
    const auto xs = sample(pair.first, "wrong");
    EXPECT_GT(ks_statistic(xs, [&](double x) { return wrong.cdf(x); }), kKsCritical)
        << pair.first.describe() << " vs " << wrong.describe();
  }
}

TEST(Distribution, SampleRoundsToWholeNanosecondsAndSaturates) {
  RandomStream rng(1, "round");
  const Distribution d = Distribution::uniform(Duration::zero(), Duration::nanoseconds(3));
  for (int i = 0; i < 1000; ++i) {
    const Duration x = d.sample(rng);
    ASSERT_GE(x.ns(), 0);
    ASSERT_LE(x.ns(), 3);
  }
  const Distribution huge(Distribution::Lognormal{100.0, 0.0});  // e^100 ns
  EXPECT_EQ(huge.sample(rng).ns(), Duration::max().ns());
}

TEST(Distribution, SameStreamGivesTheSameDraws) {
  const Distribution d =
      Distribution::lognormal(Duration::milliseconds(3), Duration::milliseconds(20));
  EXPECT_EQ(sample(d, "repeat", 1000), sample(d, "repeat", 1000));
  EXPECT_NE(sample(d, "repeat", 1000), sample(d, "other", 1000));
}

// --- validation ---------------------------------------------------------------------------

void expect_invalid(const std::function<void()>& make, const std::string& words) {
  try {
    make();
    ADD_FAILURE() << "accepted; expected an error mentioning \"" << words << '"';
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(words), std::string::npos) << e.what();
  }
}

TEST(Distribution, FactoriesRejectBadArgumentsWithAClearMessage) {
  const auto ms = [](int64_t n) { return Duration::milliseconds(n); };
  expect_invalid([&] { Distribution::constant(ms(-1)); },
                 "constant: duration must not be negative");
  expect_invalid([&] { Distribution::uniform(ms(5), ms(1)); },
                 "uniform: low (5ms) must not exceed high (1ms)");
  expect_invalid([&] { Distribution::uniform(ms(-5), ms(1)); },
                 "uniform: low must not be negative");
  expect_invalid([&] { Distribution::exponential(ms(-2)); },
                 "exponential: mean must not be negative");
  expect_invalid([&] { Distribution::lognormal(ms(3), ms(3)); },
                 "p99 (3ms) must be greater than the median (3ms)");
  expect_invalid([&] { Distribution::lognormal(ms(3), ms(2)); }, "must be greater than the median");
  expect_invalid([&] { Distribution::lognormal(ms(0), ms(2)); },
                 "lognormal: median must be positive");
  expect_invalid([&] { Distribution::normal(ms(-1), ms(2)); }, "normal: mean must not be negative");
  expect_invalid([&] { Distribution::normal(ms(1), ms(-2)); },
                 "normal: stddev must not be negative");
}

TEST(Distribution, EmpiricalRejectsBadPoints) {
  const auto ms = [](int64_t n) { return Duration::milliseconds(n); };
  using Points = std::vector<std::pair<double, Duration>>;
  expect_invalid([&] { Distribution::empirical(Points{}); }, "at least one");
  expect_invalid(
      [&] {
        Distribution::empirical({{0.5, ms(1)}, {0.9, ms(2)}});
      },
      "last point must have p = 1, got 0.9");
  expect_invalid(
      [&] {
        Distribution::empirical({{0.5, ms(1)}, {0.5, ms(2)}, {1, ms(3)}});
      },
      "point 1 has p = 0.5; p must strictly increase");
  expect_invalid(
      [&] {
        Distribution::empirical({{0.6, ms(1)}, {0.5, ms(2)}, {1, ms(3)}});
      },
      "strictly increase");
  expect_invalid([&] { Distribution::empirical({{-0.1, ms(1)}, {1, ms(3)}}); }, "outside [0, 1]");
  expect_invalid([&] { Distribution::empirical({{0.5, ms(1)}, {1.5, ms(3)}}); }, "outside [0, 1]");
  expect_invalid(
      [&] {
        Distribution::empirical({{std::nan(""), ms(1)}, {1, ms(3)}});
      },
      "outside [0, 1]");
  expect_invalid([&] { Distribution::empirical({{0.5, ms(-1)}, {1, ms(3)}}); }, "negative value");
  expect_invalid(
      [&] {
        Distribution::empirical({{0.5, ms(5)}, {1, ms(3)}});
      },
      "values must not decrease");
}

}  // namespace
}  // namespace hsmsim::sim
