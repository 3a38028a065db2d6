// seal_blob / open_blob: the AES-256-GCM round trip behind KMS Encrypt and Decrypt.
#include "crypto/seal.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "crypto/base64.h"

namespace hsmsim::crypto {
namespace {

AesGcmKey make_key(uint64_t seed) {
  DeterministicDrbg drbg(seed, "seal_test/key");
  return AesGcmKey(KeyMaterial::generate(drbg));
}

std::vector<uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

bool opens_to(AesGcmKey& key, const CiphertextBlob& blob, const EncryptionContext& context,
              const std::vector<uint8_t>& plaintext) {
  Result<SecretBytes> opened = open_blob(key, blob, context);
  return opened.ok() && opened->same_bytes_as(plaintext);
}

CryptoError open_error(AesGcmKey& key, const CiphertextBlob& blob,
                       const EncryptionContext& context) {
  Result<SecretBytes> opened = open_blob(key, blob, context);
  if (opened.ok()) throw std::logic_error("expected open_blob to fail");
  return opened.error();
}

TEST(SealBlob, RoundTripWithContext) {
  AesGcmKey key = make_key(1);
  DeterministicDrbg ivs(1, "seal_test/iv");
  const EncryptionContext context = {{"app", "demo"}, {"tenant", "a"}};
  const std::vector<uint8_t> plaintext = bytes_of("attack at dawn");
  Result<CiphertextBlob> blob = seal_blob(key, "key-1", context, plaintext, ivs);
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(blob->key_id, "key-1");
  EXPECT_EQ(blob->ciphertext.size(), plaintext.size());
  EXPECT_NE(blob->ciphertext, plaintext);
  EXPECT_TRUE(opens_to(key, *blob, context, plaintext));
}

TEST(SealBlob, WrongKeyOrContextIsAuthenticationFailure) {
  AesGcmKey key = make_key(2);
  AesGcmKey other = make_key(3);
  DeterministicDrbg ivs(2, "seal_test/iv");
  const EncryptionContext context = {{"app", "demo"}};
  const CiphertextBlob blob = seal_blob(key, "key-2", context, bytes_of("x"), ivs).value();
  EXPECT_EQ(open_error(other, blob, context), CryptoError::kAuthenticationFailed);
  EXPECT_EQ(open_error(key, blob, {}), CryptoError::kAuthenticationFailed);
  EXPECT_EQ(open_error(key, blob, {{"app", "demo"}, {"x", ""}}),
            CryptoError::kAuthenticationFailed);
  EXPECT_EQ(open_error(key, blob, {{"app", "Demo"}}), CryptoError::kAuthenticationFailed);
  EXPECT_TRUE(opens_to(key, blob, context, bytes_of("x")));
}

// The key ID is in the AAD: a blob re-labelled to name another key opens under neither key,
// even when both names refer to the same key material.
TEST(SealBlob, RelabelledBlobOpensUnderNoKey) {
  AesGcmKey key = make_key(4);
  AesGcmKey twin(key.material().clone());
  DeterministicDrbg ivs(4, "seal_test/iv");
  CiphertextBlob blob = seal_blob(key, "key-a", {}, bytes_of("secret"), ivs).value();
  blob.key_id = "key-b";
  EXPECT_EQ(open_error(key, blob, {}), CryptoError::kAuthenticationFailed);
  EXPECT_EQ(open_error(twin, blob, {}), CryptoError::kAuthenticationFailed);
  blob.key_id = "key-a";
  EXPECT_TRUE(opens_to(twin, blob, {}, bytes_of("secret")));
}

TEST(SealBlob, SameSeedsGiveByteIdenticalBlobs) {
  auto seal_twice = [] {
    AesGcmKey key = make_key(5);
    DeterministicDrbg ivs(5, "seal_test/iv");
    std::vector<std::vector<uint8_t>> out;
    for (int i = 0; i < 2; ++i) {
      out.push_back(serialize_blob(seal_blob(key, "k", {{"n", "1"}}, bytes_of("p"), ivs).value()));
    }
    return out;
  };
  const auto first = seal_twice();
  EXPECT_EQ(first, seal_twice());
  EXPECT_NE(first[0], first[1]);  // a fresh IV per seal
}

TEST(SealBlob, IvsAreFreshAcrossManySeals) {
  AesGcmKey key = make_key(6);
  DeterministicDrbg ivs(6, "seal_test/iv");
  std::set<GcmIv> seen;
  for (int i = 0; i < 1000; ++i) {
    seen.insert(seal_blob(key, "k", {}, bytes_of("p"), ivs).value().iv);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(SealBlob, BoundsAreErrorValues) {
  AesGcmKey key = make_key(7);
  DeterministicDrbg ivs(7, "seal_test/iv");
  const std::vector<uint8_t> at_bound(kBlobCiphertextMaxBytes, 1);
  EXPECT_TRUE(seal_blob(key, "k", {}, at_bound, ivs).ok());
  const std::vector<uint8_t> above(kBlobCiphertextMaxBytes + 1, 1);
  EXPECT_EQ(seal_blob(key, "k", {}, above, ivs).error(), CryptoError::kPlaintextTooLarge);
  EXPECT_EQ(seal_blob(key, "", {}, at_bound, ivs).error(), CryptoError::kKeyIdInvalid);
  EXPECT_EQ(seal_blob(key, "a key", {}, at_bound, ivs).error(), CryptoError::kKeyIdInvalid);
  const EncryptionContext huge = {{"k", std::string(kEncryptionContextEncodedMaxBytes, 'v')}};
  EXPECT_EQ(seal_blob(key, "k", huge, at_bound, ivs).error(), CryptoError::kContextTooLarge);
}

TEST(SealBlob, BlobSurvivesSerializationAndBase64) {
  AesGcmKey key = make_key(8);
  DeterministicDrbg ivs(8, "seal_test/iv");
  const EncryptionContext context = {{"purpose", "json"}};
  const CiphertextBlob blob = seal_blob(key, "key-8", context, bytes_of("hello"), ivs).value();
  const std::string text = base64_encode(serialize_blob(blob));
  Result<std::vector<uint8_t>> bytes = base64_decode(text);
  ASSERT_TRUE(bytes.ok());
  Result<CiphertextBlob> parsed = parse_blob(*bytes);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(opens_to(key, *parsed, context, bytes_of("hello")));
}

// --- properties ---------------------------------------------------------------------------

// A uniform draw in [low, high) at any test size (rc::gen::inRange narrows its range at
// small sizes, which would favour low indices and the first choices).
template <typename T>
T uniform(T low, T high) {
  return *rc::gen::resize(rc::kNominalSize, rc::gen::inRange<T>(low, high));
}

std::vector<uint8_t> any_plaintext() {
  const std::size_t size = uniform<std::size_t>(1, kBlobCiphertextMaxBytes + 1);
  return *rc::gen::container<std::vector<uint8_t>>(size, rc::gen::arbitrary<uint8_t>());
}

struct Sealed {
  AesGcmKey key;
  EncryptionContext context;
  std::vector<uint8_t> plaintext;
  CiphertextBlob blob;
};

Sealed any_sealed() {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  AesGcmKey key = make_key(seed);
  DeterministicDrbg ivs(seed, "seal_test/iv");
  EncryptionContext context = *rc::gen::arbitrary<EncryptionContext>();
  std::vector<uint8_t> plaintext = any_plaintext();
  CiphertextBlob blob = seal_blob(key, "key-p", context, plaintext, ivs).value();
  return Sealed{std::move(key), std::move(context), std::move(plaintext), std::move(blob)};
}

RC_GTEST_PROP(SealBlobProperty, AnyPlaintextAndContextRoundTrip, ()) {
  Sealed s = any_sealed();
  RC_ASSERT(opens_to(s.key, s.blob, s.context, s.plaintext));
}

// Change one entry's value or key, drop one entry or add one: never opens.
RC_GTEST_PROP(SealBlobProperty, AnyChangeOfOneContextEntryFails, ()) {
  Sealed s = any_sealed();
  EncryptionContext changed = s.context;
  const int kind = s.context.empty() ? 3 : uniform(0, 4);
  if (kind == 3) {
    changed.emplace(*rc::gen::arbitrary<std::string>(), *rc::gen::arbitrary<std::string>());
  } else {
    auto it = std::next(changed.begin(), uniform<long>(0, static_cast<long>(changed.size())));
    std::string key = it->first;
    std::string value = it->second;
    changed.erase(it);
    if (kind == 0) {  // flip a bit of the value, or grow it
      if (value.empty()) {
        value.push_back(*rc::gen::arbitrary<char>());
      } else {
        value[uniform<std::size_t>(0, value.size())] ^= static_cast<char>(1 << uniform(0, 8));
      }
      changed.emplace(key, value);
    } else if (kind == 1) {  // rename the key
      key.push_back(*rc::gen::arbitrary<char>());
      changed.emplace(key, value);
    }  // kind == 2: dropped
  }
  RC_PRE(changed != s.context);
  RC_CLASSIFY(kind == 0, "value changed");
  RC_CLASSIFY(kind == 1, "key renamed");
  RC_CLASSIFY(kind == 2, "entry dropped");
  RC_CLASSIFY(kind == 3, "entry added");
  RC_ASSERT(open_error(s.key, s.blob, changed) == CryptoError::kAuthenticationFailed);
}

// One flipped bit in the IV, ciphertext or tag: authentication fails.
RC_GTEST_PROP(SealBlobProperty, AnyFlippedIvCiphertextOrTagBitFails, ()) {
  Sealed s = any_sealed();
  const uint8_t bit = static_cast<uint8_t>(1 << uniform(0, 8));
  switch (uniform(0, 3)) {
    case 0:
      s.blob.iv[uniform<std::size_t>(0, kGcmIvBytes)] ^= bit;
      break;
    case 1:
      s.blob.ciphertext[uniform<std::size_t>(0, s.blob.ciphertext.size())] ^= bit;
      break;
    default:
      s.blob.tag[uniform<std::size_t>(0, kGcmTagBytes)] ^= bit;
      break;
  }
  RC_ASSERT(open_error(s.key, s.blob, s.context) == CryptoError::kAuthenticationFailed);
}

// One flipped bit anywhere in the serialized blob (version, key ID, lengths included): it
// either no longer parses or no longer opens.
RC_GTEST_PROP(SealBlobProperty, AnyFlippedBitOfTheSerializedBlobNeverOpens, ()) {
  Sealed s = any_sealed();
  std::vector<uint8_t> bytes = serialize_blob(s.blob);
  bytes[uniform<std::size_t>(0, bytes.size())] ^= static_cast<uint8_t>(1 << uniform(0, 8));
  Result<CiphertextBlob> parsed = parse_blob(bytes);
  RC_CLASSIFY(!parsed.ok(), "rejected by the parser");
  if (parsed.ok()) {
    RC_ASSERT(open_error(s.key, *parsed, s.context) == CryptoError::kAuthenticationFailed);
  }
}

}  // namespace
}  // namespace hsmsim::crypto

namespace hsmsim::crypto {
namespace {

// The hot paths of the data plane compute exactly what seal_blob / parse_blob / open_blob do.
RC_GTEST_PROP(SealFastPathProperty, SerializedSealEqualsSealThenSerialize, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  AesGcmKey key = make_key(seed);
  DeterministicDrbg ivs_a(seed, "seal_test/iv"), ivs_b(seed, "seal_test/iv");
  const EncryptionContext context = *rc::gen::arbitrary<EncryptionContext>();
  const std::vector<uint8_t> plaintext = any_plaintext();
  const std::string key_id = "arn:aws:kms:us-east-1:111122223333:key/fast";
  const CiphertextBlob blob = seal_blob(key, key_id, context, plaintext, ivs_a).value();
  const std::vector<uint8_t> aad = blob_aad(key_id, context).value();
  std::vector<uint8_t> out = {1, 2, 3};  // reused buffers are overwritten, not appended to
  seal_serialized_into(key, key_id, aad, plaintext, ivs_b, out);
  RC_ASSERT(out == serialize_blob(blob));

  const Result<BlobView> view = parse_blob_view(out);
  RC_ASSERT(view.ok());
  RC_ASSERT(view->key_id == key_id);
  SecretBytes opened;
  RC_ASSERT(open_view_into(key, *view, aad, opened));
  RC_ASSERT(opened.same_bytes_as(plaintext));
}

RC_GTEST_PROP(SealFastPathProperty, OpenViewFailsUnderAnotherContext, ()) {
  const uint64_t seed = *rc::gen::arbitrary<uint64_t>();
  AesGcmKey key = make_key(seed);
  DeterministicDrbg ivs(seed, "seal_test/iv");
  const std::vector<uint8_t> plaintext = any_plaintext();
  std::vector<uint8_t> out;
  seal_serialized_into(key, "k", blob_aad("k", {{"a", "bc"}}).value(), plaintext, ivs, out);
  const Result<BlobView> view = parse_blob_view(out);
  RC_ASSERT(view.ok());
  SecretBytes opened;
  RC_ASSERT(!open_view_into(key, *view, blob_aad("k", {{"ab", "c"}}).value(), opened));
  RC_ASSERT(
      std::all_of(opened.bytes().begin(), opened.bytes().end(), [](uint8_t b) { return b == 0; }));
}

TEST(SealFastPath, ParseViewAgreesWithParseOnMalformedInput) {
  const std::vector<uint8_t> truncated = {1, 0, 3, 'a', 'b'};
  ASSERT_FALSE(parse_blob_view(truncated).ok());
  EXPECT_EQ(parse_blob_view(truncated).error(), parse_blob(truncated).error());
}

}  // namespace
}  // namespace hsmsim::crypto
