// The DRBG replays byte for byte from (seed, label); real entropy does not.
#include "crypto/random_source.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "crypto/hex.h"

namespace hsmsim::crypto {
namespace {

std::vector<uint8_t> draw(RandomSource& source, std::size_t size) {
  std::vector<uint8_t> out(size);
  source.fill(out);
  return out;
}

std::vector<uint8_t> drbg_bytes(uint64_t seed, const std::string& label, std::size_t size) {
  DeterministicDrbg drbg(seed, label);
  return draw(drbg, size);
}

// Pins the derivation. Computed independently of this code:
//   key = SHA-256("hsmsim/crypto/drbg/v1" || 0x00 || be64(42) || "hsm/hsm-1")
//   openssl enc -aes-256-ctr -K <key> -iv 00..00 -nosalt  over 48 zero bytes
// A change here changes every key and IV of every recorded run.
TEST(DeterministicDrbg, MatchesAes256CtrKeystreamUnderTheDerivedKey) {
  EXPECT_EQ(hex_encode(drbg_bytes(42, "hsm/hsm-1", 48)),
            "77420da142280904aa6745ae88c9dbf7a05e5972606b3ef573e7825d263673f4"
            "937ae6873ff8248e34a27667a63fbb2a");
}

TEST(DeterministicDrbg, SameSeedAndLabelGiveSameBytes) {
  EXPECT_EQ(drbg_bytes(7, "key_store/ks-1", 4096), drbg_bytes(7, "key_store/ks-1", 4096));
}

TEST(DeterministicDrbg, HowTheStreamIsCutIntoCallsDoesNotMatter) {
  DeterministicDrbg whole(9, "hsm/a");
  DeterministicDrbg pieces(9, "hsm/a");
  const std::vector<uint8_t> expected = draw(whole, 1 + 15 + 17 + 63 + 0 + 200);
  std::vector<uint8_t> got;
  for (std::size_t size : {1, 15, 17, 63, 0, 200}) {
    const std::vector<uint8_t> piece = draw(pieces, size);
    got.insert(got.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(got, expected);
}

// IVs are drawn with fill_public (no wipe of the DRBG's copy): the stream is the same.
TEST(DeterministicDrbg, PublicDrawsContinueTheSameStream) {
  DeterministicDrbg whole(11, "hsm/b");
  DeterministicDrbg mixed(11, "hsm/b");
  const std::vector<uint8_t> expected = draw(whole, 12 + 32 + 12 + 1000 + 12 + 2000);
  std::vector<uint8_t> got;
  for (std::size_t size : {12, 32, 12, 1000, 12, 2000}) {
    std::vector<uint8_t> piece(size);
    if (size == 12 || size == 2000) {
      mixed.fill_public(piece.data(), piece.size());
    } else {
      mixed.fill(piece);
    }
    got.insert(got.end(), piece.begin(), piece.end());
  }
  EXPECT_EQ(got, expected);
}

TEST(DeterministicDrbg, LabelAndSeedEachChangeTheStream) {
  const std::vector<uint8_t> base = drbg_bytes(1, "ab", 32);
  EXPECT_NE(drbg_bytes(1, "a", 32), base);
  EXPECT_NE(drbg_bytes(1, "abc", 32), base);
  EXPECT_NE(drbg_bytes(2, "ab", 32), base);
  EXPECT_NE(drbg_bytes(1, "", 32), drbg_bytes(0, "", 32));
}

TEST(DeterministicDrbg, LabelAboveBoundIsRejected) {
  EXPECT_NO_THROW(DeterministicDrbg(1, std::string(kDrbgLabelMaxBytes, 'x')));
  EXPECT_THROW(DeterministicDrbg(1, std::string(kDrbgLabelMaxBytes + 1, 'x')),
               std::invalid_argument);
}

TEST(DeterministicDrbg, LargeFillsCrossTheChunkBoundary) {
  DeterministicDrbg whole(3, "big");
  DeterministicDrbg split(3, "big");
  const std::vector<uint8_t> expected = draw(whole, (1 << 20) + 5);
  std::vector<uint8_t> got = draw(split, 1 << 20);
  const std::vector<uint8_t> tail = draw(split, 5);
  got.insert(got.end(), tail.begin(), tail.end());
  EXPECT_EQ(got, expected);
}

TEST(RealEntropy, TwoSourcesDiffer) {
  RealEntropy a;
  RealEntropy b;
  EXPECT_NE(draw(a, 32), draw(b, 32));
}

TEST(RandomSourceFactory, ModesGiveTheMatchingSource) {
  auto deterministic = make_random_source(EntropyMode::kDeterministic, 5, "x");
  auto again = make_random_source(EntropyMode::kDeterministic, 5, "x");
  EXPECT_EQ(draw(*deterministic, 32), draw(*again, 32));
  EXPECT_EQ(draw(*deterministic, 32), draw(*again, 32));
  auto real = make_random_source(EntropyMode::kRealEntropy, 5, "x");
  auto real_again = make_random_source(EntropyMode::kRealEntropy, 5, "x");
  EXPECT_NE(draw(*real, 32), draw(*real_again, 32));
}

RC_GTEST_PROP(DeterministicDrbgProperty, SameSeedAndLabelReplay,
              (uint64_t seed, const std::string& label)) {
  RC_PRE(label.size() <= kDrbgLabelMaxBytes);
  const std::size_t size = *rc::gen::inRange<std::size_t>(0, 600);
  RC_ASSERT(drbg_bytes(seed, label, size) == drbg_bytes(seed, label, size));
}

RC_GTEST_PROP(DeterministicDrbgProperty, DifferentLabelsGiveDifferentStreams,
              (uint64_t seed, const std::string& a, const std::string& b)) {
  RC_PRE(a != b);
  RC_PRE(a.size() <= kDrbgLabelMaxBytes && b.size() <= kDrbgLabelMaxBytes);
  RC_ASSERT(drbg_bytes(seed, a, 32) != drbg_bytes(seed, b, 32));
}

RC_GTEST_PROP(DeterministicDrbgProperty, DifferentSeedsGiveDifferentStreams,
              (uint64_t a, uint64_t b, const std::string& label)) {
  RC_PRE(a != b);
  RC_PRE(label.size() <= kDrbgLabelMaxBytes);
  RC_ASSERT(drbg_bytes(a, label, 32) != drbg_bytes(b, label, 32));
}

}  // namespace
}  // namespace hsmsim::crypto
