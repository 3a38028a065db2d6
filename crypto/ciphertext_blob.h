// The ciphertext blob: what KMS Encrypt returns and Decrypt takes. It names its KMS key, so
// only that key decrypts it.
//
// Version 1, all integers big-endian:
//
//   offset          size        field
//   0               1           version = 0x01
//   1               2           key_id_len, 1..kBlobKeyIdMaxBytes
//   3               key_id_len  key_id: printable ASCII (0x21..0x7e), e.g. a key ID or ARN
//   3+k             12          iv
//   15+k            4           ciphertext_len, 0..kBlobCiphertextMaxBytes
//   19+k            n           ciphertext
//   19+k+n          16          tag
//
// and nothing after the tag: the total size is exactly 35 + k + n. Parsing checks every
// field and length against the bytes actually present, so a malformed or truncated blob is an
// error value, never a read out of bounds.
//
// The AAD of a blob's GCM operation is blob_header(key_id) followed by the canonical
// encryption context (encryption_context.h): the version and key ID are authenticated, so a
// blob re-labelled to another key ID fails to decrypt under either key.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/aes_gcm.h"
#include "crypto/encryption_context.h"
#include "crypto/result.h"

namespace hsmsim::crypto {

inline constexpr uint8_t kBlobVersion = 1;
inline constexpr std::size_t kBlobKeyIdMaxBytes = 2048;       // KMS KeyId: 1..2048 characters
inline constexpr std::size_t kBlobCiphertextMaxBytes = 4096;  // KMS Encrypt: plaintext <= 4096
inline constexpr std::size_t kBlobFixedBytes = 1 + 2 + kGcmIvBytes + 4 + kGcmTagBytes;
inline constexpr std::size_t kBlobMaxBytes =
    kBlobFixedBytes + kBlobKeyIdMaxBytes + kBlobCiphertextMaxBytes;

struct CiphertextBlob {
  std::string key_id;
  GcmIv iv{};
  GcmTag tag{};
  std::vector<uint8_t> ciphertext;

  bool operator==(const CiphertextBlob&) const = default;
};

// True for 1..kBlobKeyIdMaxBytes printable ASCII bytes without spaces.
bool valid_blob_key_id(std::string_view key_id);

// The bytes of a valid blob (key ID valid, ciphertext within bound); an invalid one is a bug
// (std::invalid_argument): blobs come from seal_blob() or parse_blob(), which check.
std::vector<uint8_t> serialize_blob(const CiphertextBlob& blob);

// A parsed blob whose fields point into the bytes it was parsed from (valid while they are).
struct BlobView {
  std::string_view key_id;
  GcmIv iv{};
  GcmTag tag{};
  std::span<const uint8_t> ciphertext;
};

// The same checks as parse_blob without copying anything: the hot path of Decrypt.
Result<BlobView> parse_blob_view(std::span<const uint8_t> bytes);

// The blob, or kBlobTruncated, kBlobVersionUnsupported, kKeyIdInvalid,
// kBlobCiphertextTooLarge or kBlobTrailingBytes.
Result<CiphertextBlob> parse_blob(std::span<const uint8_t> bytes);

// version || key_id_len || key_id, for a valid key ID (else std::invalid_argument).
std::vector<uint8_t> blob_header(std::string_view key_id);

// The AAD of a blob: blob_header(key_id) || canonical context. kKeyIdInvalid or
// kContextTooLarge.
Result<std::vector<uint8_t>> blob_aad(std::string_view key_id, const EncryptionContext& context);

}  // namespace hsmsim::crypto
