// Base64 for JSON responses: RFC 4648 vectors, canonical-only decoding.
#include "crypto/base64.h"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <string>
#include <vector>

namespace hsmsim::crypto {
namespace {

std::vector<uint8_t> bytes_of(std::string_view text) {
  return {text.begin(), text.end()};
}

// RFC 4648 §10.
TEST(Base64, Rfc4648TestVectors) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : vectors) {
    SCOPED_TRACE(plain);
    EXPECT_EQ(base64_encode(bytes_of(plain)), encoded);
    Result<std::vector<uint8_t>> decoded = base64_decode(encoded);
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, bytes_of(plain));
  }
}

TEST(Base64, AllByteValuesAndTheUrlUnsafeCharacters) {
  EXPECT_EQ(base64_encode(std::vector<uint8_t>{0xfb, 0xff, 0xbf}), "+/+/");
  EXPECT_EQ(base64_decode("+/+/").value(), (std::vector<uint8_t>{0xfb, 0xff, 0xbf}));
}

TEST(Base64, NonCanonicalTextIsRejected) {
  for (const char* text : {"Zg", "Zg=", "Zm9", "Z===", "Zh==", "Zm9=", "Zm8=Zm8=", "Zm 9v",
                           "Zm9v\n", " Zm9v", "Zm-_", "====", "Zm9v====", "Z=g="}) {
    SCOPED_TRACE(text);
    Result<std::vector<uint8_t>> decoded = base64_decode(text);
    ASSERT_FALSE(decoded.ok());
    EXPECT_EQ(decoded.error(), CryptoError::kBase64Invalid);
  }
}

TEST(Base64, SizeBound) {
  const std::string too_long((kBase64DecodedMaxBytes + 3) / 3 * 4 + 4, 'A');
  EXPECT_EQ(base64_decode(too_long).error(), CryptoError::kBase64TooLarge);
  EXPECT_THROW((void)base64_encode(std::vector<uint8_t>(kBase64DecodedMaxBytes + 1)),
               std::invalid_argument);
}

RC_GTEST_PROP(Base64Property, DecodeOfEncodeIsIdentity, (const std::vector<uint8_t>& bytes)) {
  Result<std::vector<uint8_t>> decoded = base64_decode(base64_encode(bytes));
  RC_ASSERT(decoded.ok());
  RC_ASSERT(*decoded == bytes);
}

// Any accepted text is the one canonical encoding of what it decodes to.
RC_GTEST_PROP(Base64Property, AcceptedTextIsCanonical, ()) {
  const std::string text = *rc::gen::container<std::string>(
      rc::gen::element('A', 'Q', 'g', 'w', 'z', '0', '+', '/', '=', ' '));
  Result<std::vector<uint8_t>> decoded = base64_decode(text);
  RC_CLASSIFY(decoded.ok(), "accepted");
  if (decoded.ok()) RC_ASSERT(base64_encode(*decoded) == text);
}

}  // namespace
}  // namespace hsmsim::crypto
