// The ciphertext blob format: exact layout, strict parsing, no undefined behaviour on any input.
#include "crypto/ciphertext_blob.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

#include "crypto/hex.h"

namespace hsmsim::crypto {
namespace {

CiphertextBlob example_blob() {
  CiphertextBlob blob;
  blob.key_id = "k1";
  for (std::size_t i = 0; i < blob.iv.size(); ++i)
    blob.iv[i] = static_cast<uint8_t>(0x10 + i);
  for (std::size_t i = 0; i < blob.tag.size(); ++i)
    blob.tag[i] = static_cast<uint8_t>(0xa0 + i);
  blob.ciphertext = {0xde, 0xad, 0xbe};
  return blob;
}

CryptoError parse_error(const std::vector<uint8_t>& bytes) {
  Result<CiphertextBlob> parsed = parse_blob(bytes);
  if (parsed.ok()) throw std::logic_error("expected a parse error");
  return parsed.error();
}

TEST(CiphertextBlobFormat, GoldenLayoutOfVersionOne) {
  EXPECT_EQ(hex_encode(serialize_blob(example_blob())),
            "01"                                // version
            "0002"                              // key ID length
            "6b31"                              // key ID "k1"
            "101112131415161718191a1b"          // IV
            "00000003"                          // ciphertext length
            "deadbe"                            // ciphertext
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf"  // tag
  );
}

TEST(CiphertextBlobFormat, ParseOfSerializeGivesTheBlob) {
  const CiphertextBlob blob = example_blob();
  Result<CiphertextBlob> parsed = parse_blob(serialize_blob(blob));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, blob);
}

TEST(CiphertextBlobFormat, EveryTruncationIsAnError) {
  const std::vector<uint8_t> bytes = serialize_blob(example_blob());
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    SCOPED_TRACE(size);
    EXPECT_EQ(parse_error({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)}),
              CryptoError::kBlobTruncated);
  }
}

TEST(CiphertextBlobFormat, EachMalformedFieldHasItsError) {
  std::vector<uint8_t> bytes = serialize_blob(example_blob());
  std::vector<uint8_t> v = bytes;
  v[0] = 2;
  EXPECT_EQ(parse_error(v), CryptoError::kBlobVersionUnsupported);
  v = bytes;
  v[0] = 0;
  EXPECT_EQ(parse_error(v), CryptoError::kBlobVersionUnsupported);

  v = bytes;
  v[1] = 0, v[2] = 0;  // key ID length 0
  EXPECT_EQ(parse_error(v), CryptoError::kKeyIdInvalid);
  v = bytes;
  v[1] = 0x08, v[2] = 0x01;  // 2049 > kBlobKeyIdMaxBytes
  EXPECT_EQ(parse_error(v), CryptoError::kKeyIdInvalid);
  v = bytes;
  v[3] = ' ';  // not printable-without-space
  EXPECT_EQ(parse_error(v), CryptoError::kKeyIdInvalid);
  v = bytes;
  v[4] = 0x80;
  EXPECT_EQ(parse_error(v), CryptoError::kKeyIdInvalid);

  const std::size_t length_at = 1 + 2 + 2 + kGcmIvBytes;
  v = bytes;
  v[length_at + 2] = 0x10, v[length_at + 3] = 0x01;  // 4097
  EXPECT_EQ(parse_error(v), CryptoError::kBlobCiphertextTooLarge);
  v = bytes;
  v[length_at + 3] = 0x04;  // one more than present
  EXPECT_EQ(parse_error(v), CryptoError::kBlobTruncated);
  v = bytes;
  v[length_at + 3] = 0x02;  // one less: a byte left after the tag
  EXPECT_EQ(parse_error(v), CryptoError::kBlobTrailingBytes);
  v = bytes;
  v[length_at] = 0xff;  // a huge length must not be trusted
  EXPECT_EQ(parse_error(v), CryptoError::kBlobCiphertextTooLarge);

  v = bytes;
  v.push_back(0);
  EXPECT_EQ(parse_error(v), CryptoError::kBlobTrailingBytes);
  EXPECT_EQ(parse_error(std::vector<uint8_t>(kBlobMaxBytes + 1, 1)),
            CryptoError::kBlobTrailingBytes);
}

TEST(CiphertextBlobFormat, BoundsOfKeyIdAndCiphertext) {
  CiphertextBlob blob = example_blob();
  blob.key_id = std::string(kBlobKeyIdMaxBytes, 'k');
  blob.ciphertext.assign(kBlobCiphertextMaxBytes, 7);
  const std::vector<uint8_t> bytes = serialize_blob(blob);
  EXPECT_EQ(bytes.size(), kBlobMaxBytes);
  Result<CiphertextBlob> parsed = parse_blob(bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, blob);

  blob.ciphertext.push_back(7);
  EXPECT_THROW((void)serialize_blob(blob), std::invalid_argument);
  blob.ciphertext.pop_back();
  blob.key_id.push_back('k');
  EXPECT_THROW((void)serialize_blob(blob), std::invalid_argument);
  blob.key_id.clear();
  EXPECT_THROW((void)serialize_blob(blob), std::invalid_argument);
}

TEST(CiphertextBlobFormat, KeyIdsAreNonEmptyPrintableAsciiWithoutSpaces) {
  EXPECT_TRUE(valid_blob_key_id("1234abcd-12ab-34cd-56ef-1234567890ab"));
  EXPECT_TRUE(valid_blob_key_id(
      "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"));
  EXPECT_FALSE(valid_blob_key_id(""));
  EXPECT_FALSE(valid_blob_key_id("a b"));
  EXPECT_FALSE(valid_blob_key_id(std::string("a\0b", 3)));
  EXPECT_FALSE(valid_blob_key_id("caf\xc3\xa9"));
  EXPECT_FALSE(valid_blob_key_id(std::string(kBlobKeyIdMaxBytes + 1, 'k')));
}

TEST(CiphertextBlobFormat, AadIsTheHeaderThenTheContext) {
  EXPECT_EQ(hex_encode(blob_aad("k1", {{"a", "b"}}).value()),
            "01"        // header: version
            "0002"      //   key ID length
            "6b31"      //   key ID "k1"
            "00000001"  // context: entry count
            "00000001"  //   key length
            "61"        //   key "a"
            "00000001"  //   value length
            "62"        //   value "b"
  );
  EXPECT_EQ(blob_aad("", {}).error(), CryptoError::kKeyIdInvalid);
}

// --- properties ---------------------------------------------------------------------------

// A uniform draw in [low, high) at any test size (rc::gen::inRange narrows its range at
// small sizes, which would favour low indices and the first choices).
template <typename T>
T uniform(T low, T high) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(low, high));
}

std::string any_key_id() {
  // Mostly short IDs, like real ones; sometimes up to the bound.
  const std::size_t size = uniform(0, 4) == 0 ? uniform<std::size_t>(1, kBlobKeyIdMaxBytes + 1)
                                              : uniform<std::size_t>(1, 80);
  return *rc::gen::container<std::string>(
      size, rc::gen::resize(rc::kNominalSize, rc::gen::inRange<char>(0x21, 0x7f)));
}

CiphertextBlob any_blob() {
  CiphertextBlob blob;
  blob.key_id = any_key_id();
  blob.iv = *rc::gen::arbitrary<GcmIv>();
  blob.tag = *rc::gen::arbitrary<GcmTag>();
  const std::size_t size = uniform<std::size_t>(0, kBlobCiphertextMaxBytes + 1);
  blob.ciphertext = *rc::gen::container<std::vector<uint8_t>>(size, rc::gen::arbitrary<uint8_t>());
  return blob;
}

RC_GTEST_PROP(CiphertextBlobProperty, ParseOfSerializeIsIdentity, ()) {
  const CiphertextBlob blob = any_blob();
  Result<CiphertextBlob> parsed = parse_blob(serialize_blob(blob));
  RC_ASSERT(parsed.ok());
  RC_ASSERT(*parsed == blob);
}

// Whatever the bytes, parsing returns; and whatever it accepts is canonical: it serializes
// back to exactly the bytes it came from.
RC_GTEST_PROP(CiphertextBlobProperty, ParsingRandomBytesNeverCrashes,
              (const std::vector<uint8_t>& bytes)) {
  Result<CiphertextBlob> parsed = parse_blob(bytes);
  if (parsed.ok()) RC_ASSERT(serialize_blob(*parsed) == bytes);
}

// Random bytes rarely get past the version byte; mutations of a real blob reach every field.
RC_GTEST_PROP(CiphertextBlobProperty, ParsingMutatedBlobsNeverCrashes, ()) {
  std::vector<uint8_t> bytes = serialize_blob(any_blob());
  const int mutations = uniform(1, 4);
  for (int i = 0; i < mutations; ++i) {
    switch (uniform(0, 3)) {
      case 0: {  // overwrite a byte
        const std::size_t at = uniform<std::size_t>(0, bytes.size());
        bytes[at] = *rc::gen::arbitrary<uint8_t>();
        break;
      }
      case 1:  // truncate
        bytes.resize(uniform<std::size_t>(0, bytes.size()));
        break;
      default:  // append
        bytes.push_back(*rc::gen::arbitrary<uint8_t>());
        break;
    }
    if (bytes.empty()) break;
  }
  Result<CiphertextBlob> parsed = parse_blob(bytes);
  if (parsed.ok()) RC_ASSERT(serialize_blob(*parsed) == bytes);
}

}  // namespace
}  // namespace hsmsim::crypto
