// ddmin (campaign/shrink.h) on plain vectors with synthetic failure predicates.
#include "campaign/shrink.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

namespace hsmsim::campaign {
namespace {

using Seq = std::vector<int>;

Seq drop(const Seq& s, std::size_t begin, std::size_t end) {
  Seq out(s.begin(), s.begin() + static_cast<long>(begin));
  out.insert(out.end(), s.begin() + static_cast<long>(end), s.end());
  return out;
}

bool has(const Seq& s, int v) {
  return std::find(s.begin(), s.end(), v) != s.end();
}

Seq iota(int n) {
  Seq s;
  for (int i = 0; i < n; ++i)
    s.push_back(i);
  return s;
}

TEST(Shrink, KeepsExactlyTheTwoElementsAFailureNeeds) {
  ShrinkStats stats;
  const Seq out = ddmin(
      iota(40), drop, [](const Seq& s) { return has(s, 3) && has(s, 31); }, ShrinkLimits{}, &stats);
  EXPECT_EQ(out, (Seq{3, 31}));
  EXPECT_EQ(stats.size_before, 40u);
  EXPECT_EQ(stats.size_after, 2u);
  EXPECT_FALSE(stats.exhausted);
}

TEST(Shrink, KeepsTheOrderOfWhatRemains) {
  // Fails when 5 comes before 9 (an order-dependent failure, like a call after its setup).
  auto fails = [](const Seq& s) {
    auto a = std::find(s.begin(), s.end(), 5);
    auto b = std::find(s.begin(), s.end(), 9);
    return a != s.end() && b != s.end() && a < b;
  };
  EXPECT_EQ(ddmin(iota(30), drop, fails, ShrinkLimits{}), (Seq{5, 9}));
}

TEST(Shrink, ResultIsOneMinimal) {
  // Fails while at least three multiples of 7 remain: any three will do, but none can go.
  auto fails = [](const Seq& s) {
    return std::count_if(s.begin(), s.end(), [](int v) { return v % 7 == 0; }) >= 3;
  };
  const Seq out = ddmin(iota(50), drop, fails, ShrinkLimits{});
  ASSERT_EQ(out.size(), 3u);
  for (std::size_t i = 0; i < out.size(); ++i)
    EXPECT_FALSE(fails(drop(out, i, i + 1)));
}

TEST(Shrink, AFailureOfTheWorldAloneShrinksToNothing) {
  EXPECT_TRUE(ddmin(
                  iota(12), drop, [](const Seq&) { return true; }, ShrinkLimits{})
                  .empty());
}

TEST(Shrink, StopsAtTheBudgetWithAStillFailingSequence) {
  ShrinkStats stats;
  auto fails = [](const Seq& s) { return has(s, 1) && has(s, 17) && has(s, 33); };
  const Seq out = ddmin(iota(64), drop, fails, ShrinkLimits{6}, &stats);
  EXPECT_TRUE(stats.exhausted);
  EXPECT_EQ(stats.tests, 6u);
  EXPECT_TRUE(fails(out));
  EXPECT_LT(out.size(), 64u);
}

}  // namespace
}  // namespace hsmsim::campaign
