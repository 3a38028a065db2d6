// Sealing plaintext into a ciphertext blob under a key, and opening it again: the AES-256-GCM
// operation behind KMS Encrypt / Decrypt / GenerateDataKey, without any of KMS's rules.
//
// The AAD is blob_aad(key_id, context): the blob's version and key ID plus the canonical
// encryption context. Opening needs the same key and exactly the same context; any other key,
// context, re-labelled key ID or changed byte gives kAuthenticationFailed.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "crypto/aes_gcm.h"
#include "crypto/ciphertext_blob.h"
#include "crypto/encryption_context.h"
#include "crypto/random_source.h"
#include "crypto/result.h"
#include "crypto/secret.h"

namespace hsmsim::crypto {

// A blob for `plaintext` under `key`, named `key_id`, with a fresh 12-byte IV from
// `iv_source`. kPlaintextTooLarge (above kBlobCiphertextMaxBytes), kKeyIdInvalid or
// kContextTooLarge.
Result<CiphertextBlob> seal_blob(AesGcmKey& key, std::string_view key_id,
                                 const EncryptionContext& context,
                                 std::span<const uint8_t> plaintext, RandomSource& iv_source);

// The hot path of Encrypt: the serialized blob (exactly serialize_blob(seal_blob(...))) written
// into `out`, whose capacity is reused. `aad` must be blob_aad(key_id, context), computed once by
// the caller. key_id must be valid (valid_blob_key_id; asserted in debug builds, as checking
// it costs a pass per request) and the plaintext within kBlobCiphertextMaxBytes (else
// std::invalid_argument).
void seal_serialized_into(AesGcmKey& key, std::string_view key_id, std::span<const uint8_t> aad,
                          std::span<const uint8_t> plaintext, RandomSource& iv_source,
                          std::vector<uint8_t>& out);

// Opens a blob view into `plaintext` (resized to the ciphertext's size) with `aad` =
// blob_aad(blob.key_id, context). False on a bad tag, with `plaintext` zeroed.
[[nodiscard]] bool open_view_into(AesGcmKey& key, const BlobView& blob,
                                  std::span<const uint8_t> aad, SecretBytes& plaintext);

// The plaintext, or kAuthenticationFailed (or kContextTooLarge for a context that could never
// have sealed anything). Choosing `key` from blob.key_id is the caller's job.
Result<SecretBytes> open_blob(AesGcmKey& key, const CiphertextBlob& blob,
                              const EncryptionContext& context);

}  // namespace hsmsim::crypto
