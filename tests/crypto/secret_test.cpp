// Key material and secret bytes cannot be copied, printed or converted into a trace, and
// their storage is wiped.
#include "crypto/secret.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "crypto/random_source.h"

namespace hsmsim::crypto {
namespace {

template <typename T>
concept Streamable = requires(std::ostream& os, const T& value) {
  os << value;
};

template <typename T>
constexpr bool kCannotLeak =
    !std::is_copy_constructible_v<T> && !std::is_copy_assignable_v<T> &&
    std::is_nothrow_move_constructible_v<T> && std::is_nothrow_move_assignable_v<T> &&
    !Streamable<T> && !fmt::is_formattable<T>::value &&
    !std::is_convertible_v<const T&, std::string> &&
    !std::is_constructible_v<std::string, const T&> &&
    !std::is_convertible_v<const T&, std::string_view> &&
    !std::is_convertible_v<const T&, std::span<const uint8_t>> &&
    !std::is_constructible_v<std::vector<uint8_t>, const T&> &&
    // The trace's fields are nlohmann JSON: a secret cannot become one.
    !std::is_constructible_v<nlohmann::ordered_json, const T&> &&
    !std::is_constructible_v<nlohmann::json, const T&>;

static_assert(kCannotLeak<KeyMaterial>);
static_assert(kCannotLeak<SecretBytes>);
// The guard itself can fail: an ordinary printable, copyable type does not pass it.
static_assert(!kCannotLeak<std::string>);
static_assert(Streamable<std::string>);

std::array<uint8_t, kKeyMaterialBytes> expected_key_bytes(uint64_t seed) {
  DeterministicDrbg drbg(seed, "secret_test");
  return drbg.draw<kKeyMaterialBytes>();
}

KeyMaterial test_key(uint64_t seed) {
  DeterministicDrbg drbg(seed, "secret_test");
  return KeyMaterial::generate(drbg);
}

bool all_zero(std::span<const uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; });
}

TEST(KeyMaterial, GenerateDrawsFromTheSource) {
  const KeyMaterial key = test_key(1);
  ASSERT_TRUE(key.valid());
  const auto expected = expected_key_bytes(1);
  EXPECT_TRUE(std::equal(key.bytes().begin(), key.bytes().end(), expected.begin()));
  EXPECT_FALSE(all_zero(key.bytes()));
}

// The object lives in storage this test owns; after the destructor has run, the bytes that
// held the key read as zero. (The destructor calls OPENSSL_cleanse, which the compiler cannot
// elide, so the storage really is overwritten.)
TEST(KeyMaterial, DestructorWipesTheStorage) {
  const auto expected = expected_key_bytes(2);
  alignas(KeyMaterial) unsigned char storage[sizeof(KeyMaterial)];
  std::fill(std::begin(storage), std::end(storage), 0xa5);
  KeyMaterial* key = std::construct_at(reinterpret_cast<KeyMaterial*>(storage), test_key(2));

  // The key bytes are inline, inside this storage.
  unsigned char* at =
      std::search(std::begin(storage), std::end(storage), expected.begin(), expected.end());
  ASSERT_NE(at, std::end(storage));
  const std::size_t offset = static_cast<std::size_t>(at - storage);

  std::destroy_at(key);
  EXPECT_TRUE(all_zero(std::span<const uint8_t>(storage + offset, kKeyMaterialBytes)));
  EXPECT_EQ(std::search(std::begin(storage), std::end(storage), expected.begin(), expected.end()),
            std::end(storage));
}

TEST(KeyMaterial, MovedFromObjectIsWipedAndInvalid) {
  KeyMaterial source = test_key(3);
  KeyMaterial target = std::move(source);
  EXPECT_FALSE(source.valid());  // NOLINT: inspecting the moved-from object is the point
  EXPECT_TRUE(all_zero(source.bytes()));
  EXPECT_TRUE(target.valid());
  const auto expected = expected_key_bytes(3);
  EXPECT_TRUE(std::equal(target.bytes().begin(), target.bytes().end(), expected.begin()));

  KeyMaterial assigned = test_key(4);
  assigned = std::move(target);
  EXPECT_TRUE(all_zero(target.bytes()));  // NOLINT
  EXPECT_TRUE(std::equal(assigned.bytes().begin(), assigned.bytes().end(), expected.begin()));
}

TEST(KeyMaterial, CloneIsADeliberateEqualCopy) {
  const KeyMaterial key = test_key(5);
  const KeyMaterial copy = key.clone();
  EXPECT_TRUE(copy.same_material_as(key));
  EXPECT_FALSE(test_key(6).same_material_as(key));
}

TEST(KeyMaterial, RedactedTextNamesOnlyTheSize) {
  EXPECT_EQ(test_key(7).redacted(), "<redacted 32 bytes>");
}

TEST(SecretBytes, GenerateCopyAndCompare) {
  DeterministicDrbg a(8, "data_key");
  DeterministicDrbg b(8, "data_key");
  const SecretBytes secret = SecretBytes::generate(a, 24);
  const auto expected = b.draw<24>();
  ASSERT_EQ(secret.size(), 24u);
  EXPECT_TRUE(secret.same_bytes_as(expected));
  EXPECT_TRUE(secret.clone().same_bytes_as(expected));
  EXPECT_TRUE(SecretBytes::copy_of(expected).same_bytes_as(secret.bytes()));
  EXPECT_FALSE(secret.same_bytes_as(std::span(expected).first(23)));
  EXPECT_EQ(secret.redacted(), "<redacted 24 bytes>");
}

TEST(SecretBytes, MovedFromObjectIsEmptyAndTheBufferMoves) {
  DeterministicDrbg drbg(9, "data_key");
  SecretBytes source = SecretBytes::generate(drbg, 16);
  const uint8_t* buffer = source.bytes().data();
  SecretBytes target = std::move(source);
  EXPECT_TRUE(source.empty());  // NOLINT: inspecting the moved-from object is the point
  EXPECT_EQ(source.bytes().size(), 0u);
  EXPECT_EQ(target.bytes().data(), buffer);  // moved, not copied: no stray copy to wipe
  EXPECT_EQ(target.size(), 16u);
}

TEST(SecretBytes, ZeroSizedAndBounds) {
  const SecretBytes empty(0);
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(empty.redacted(), "<redacted 0 bytes>");
  const SecretBytes zeros(5);
  EXPECT_TRUE(all_zero(zeros.bytes()));
  EXPECT_THROW(SecretBytes(kSecretBytesMax + 1), std::length_error);
}

}  // namespace
}  // namespace hsmsim::crypto
