// closest_match: the "did you mean" of unknown keys and values.
#include <gtest/gtest.h>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

const std::vector<std::string> kTopLevel = top_level_keys();

TEST(ClosestMatch, OneEditAwaySuggestsTheKey) {
  EXPECT_EQ(closest_match("untill", kTopLevel), "until");
  EXPECT_EQ(closest_match("worl", kTopLevel), "world");
  EXPECT_EQ(closest_match("Seed", kTopLevel), "seed");
}

TEST(ClosestMatch, TranspositionCountsAsOneEdit) {
  EXPECT_EQ(closest_match("utnil", kTopLevel), "until");
  EXPECT_EQ(closest_match("invairants", kTopLevel), "invariants");
}

TEST(ClosestMatch, LongWordsAllowAThirdOfTheirLength) {
  // 3 edits in a 24-letter word is still a typo; 3 edits in a 5-letter word is not.
  EXPECT_EQ(closest_match("ConnectCustomKyStoreXYZ", timing_keys()), "ConnectCustomKeyStore");
  EXPECT_EQ(closest_match("uxxxl", {"until"}), "");
}

TEST(ClosestMatch, FarWordsGetNoSuggestion) {
  EXPECT_EQ(closest_match("xyzzy", kTopLevel), "");
  EXPECT_EQ(closest_match("banana", kTopLevel), "");
}

TEST(ClosestMatch, ReplacingTheWholeWordIsNoSuggestion) {
  // Two edits, but nothing of 'x' survives in 'at' or 'as'.
  EXPECT_EQ(closest_match("x", step_keys()), "");
  EXPECT_EQ(closest_match("ab", {"cd"}), "");
}

TEST(ClosestMatch, TheNearestCandidateWinsAndTiesGoToTheFirst) {
  EXPECT_EQ(closest_match("keys", {"key", "keys_x"}), "key");
  EXPECT_EQ(closest_match("ab", {"abc", "abd"}), "abc");
}

TEST(ClosestMatch, EmptyCandidatesGiveNoSuggestion) {
  EXPECT_EQ(closest_match("until", {}), "");
}

}  // namespace
}  // namespace hsmsim::scenario
