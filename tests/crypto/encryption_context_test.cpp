// The encryption context's AAD encoding is canonical and unambiguous.
#include "crypto/encryption_context.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "crypto/ciphertext_blob.h"
#include "crypto/hex.h"

namespace hsmsim::crypto {
namespace {

std::vector<uint8_t> encode(const EncryptionContext& context) {
  Result<std::vector<uint8_t>> encoded = encode_encryption_context(context);
  if (!encoded) throw std::logic_error("context unexpectedly too large");
  return std::move(encoded).value();
}

// A decoder written from the format comment alone. decode(encode(m)) == m for every m proves
// the encoding injective: two maps with one encoding would decode to the same map.
std::optional<EncryptionContext> decode(const std::vector<uint8_t>& bytes) {
  std::size_t at = 0;
  auto u32 = [&]() -> std::optional<uint32_t> {
    if (bytes.size() - at < 4) return std::nullopt;
    const uint32_t v = (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) |
                       (uint32_t{bytes[at + 2]} << 8) | uint32_t{bytes[at + 3]};
    at += 4;
    return v;
  };
  auto text = [&]() -> std::optional<std::string> {
    const std::optional<uint32_t> size = u32();
    if (!size || bytes.size() - at < *size) return std::nullopt;
    std::string s(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                  bytes.begin() + static_cast<std::ptrdiff_t>(at + *size));
    at += *size;
    return s;
  };
  const std::optional<uint32_t> count = u32();
  if (!count) return std::nullopt;
  EncryptionContext context;
  std::optional<std::string> previous;
  for (uint32_t i = 0; i < *count; ++i) {
    std::optional<std::string> key = text();
    std::optional<std::string> value = text();
    if (!key || !value) return std::nullopt;
    if (previous && !(*previous < *key)) return std::nullopt;  // canonical order only
    previous = key;
    context.emplace(std::move(*key), std::move(*value));
  }
  if (at != bytes.size()) return std::nullopt;
  return context;
}

TEST(EncryptionContextEncoding, GoldenBytesForASmallMap) {
  EXPECT_EQ(hex_encode(encode({{"b", ""}, {"a", "bc"}})),
            "00000002"  // entry count
            "00000001"  // key length
            "61"        // "a"
            "00000002"  // value length
            "6263"      // "bc"
            "00000001"  // key length
            "62"        // "b"
            "00000000"  // value length: ""
  );
  EXPECT_EQ(hex_encode(encode({})), "00000000");
}

TEST(EncryptionContextEncoding, KeyAndValueBoundariesCannotShift) {
  EXPECT_NE(encode({{"ab", "c"}}), encode({{"a", "bc"}}));
  EXPECT_NE(encode({{"a", ""}}), encode({{"", "a"}}));
  EXPECT_NE(encode({{"a", "b"}, {"c", "d"}}), encode({{"a", "bcd"}}));
  EXPECT_NE(encode({}), encode({{"", ""}}));
}

TEST(EncryptionContextEncoding, EntriesAreInBytewiseKeyOrderWithHighBytesLast) {
  // "\xff" sorts after "a" as an unsigned byte (it would sort first as a signed char).
  const std::vector<uint8_t> bytes = encode({{"\xff", "1"}, {"a", "2"}});
  EXPECT_EQ(hex_encode(bytes),
            "00000002"
            "00000001"
            "61"
            "00000001"
            "32"
            "00000001"
            "ff"
            "00000001"
            "31");
}

TEST(EncryptionContextEncoding, BoundsAreErrorValues) {
  EncryptionContext too_many;
  for (std::size_t i = 0; i <= kEncryptionContextEntriesMax; ++i) {
    too_many.emplace(std::to_string(i), "");
  }
  Result<std::vector<uint8_t>> many = encode_encryption_context(too_many);
  ASSERT_FALSE(many.ok());
  EXPECT_EQ(many.error(), CryptoError::kContextTooLarge);

  const std::string big(kEncryptionContextEncodedMaxBytes, 'v');
  Result<std::vector<uint8_t>> large = encode_encryption_context({{"k", big}});
  ASSERT_FALSE(large.ok());
  EXPECT_EQ(large.error(), CryptoError::kContextTooLarge);

  // Exactly at the byte bound is accepted: 4 + 8 + 1 + value.
  const std::string fits(kEncryptionContextEncodedMaxBytes - 13, 'v');
  EXPECT_TRUE(encode_encryption_context({{"k", fits}}).ok());
}

// Strings over a two-letter alphabet, short, and maps of them: pairs of distinct maps that a
// naive concatenation would confuse come up often. (Drawn inside a property.)
std::string small_string() {
  return *rc::gen::container<std::string>(*rc::gen::inRange(0, 4), rc::gen::element('a', 'b'));
}

EncryptionContext small_context() {
  EncryptionContext context;
  const int entries = *rc::gen::inRange(0, 4);
  for (int i = 0; i < entries; ++i)
    context[small_string()] = small_string();
  return context;
}

RC_GTEST_PROP(EncryptionContextProperty, EncodingDecodesBackToTheSameMap,
              (const EncryptionContext& context)) {
  const std::optional<EncryptionContext> decoded = decode(encode(context));
  RC_ASSERT(decoded.has_value());
  RC_ASSERT(*decoded == context);
}

RC_GTEST_PROP(EncryptionContextProperty, DistinctSmallContextsNeverShareAnEncoding, ()) {
  const EncryptionContext a = small_context();
  const EncryptionContext b = small_context();
  RC_CLASSIFY(a == b, "equal maps");
  RC_ASSERT((a == b) == (encode(a) == encode(b)));
}

RC_GTEST_PROP(EncryptionContextProperty, DistinctKeyIdOrContextNeverShareABlobAad, ()) {
  // Key IDs are never empty. (Appending, not "k" + s: GCC 12 warns falsely on the latter.)
  std::string key_a = "k";
  key_a += small_string();
  std::string key_b = "k";
  key_b += small_string();
  const EncryptionContext a = small_context();
  const EncryptionContext b = small_context();
  const bool same = key_a == key_b && a == b;
  RC_ASSERT(same == (blob_aad(key_a, a).value() == blob_aad(key_b, b).value()));
}

}  // namespace
}  // namespace hsmsim::crypto
