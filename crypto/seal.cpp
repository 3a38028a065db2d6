#include "crypto/seal.h"

#include <utility>
#include <vector>

namespace hsmsim::crypto {

Result<CiphertextBlob> seal_blob(AesGcmKey& key, std::string_view key_id,
                                 const EncryptionContext& context,
                                 std::span<const uint8_t> plaintext, RandomSource& iv_source) {
  if (plaintext.size() > kBlobCiphertextMaxBytes) return CryptoError::kPlaintextTooLarge;
  Result<std::vector<uint8_t>> aad = blob_aad(key_id, context);
  if (!aad) return aad.error();
  CiphertextBlob blob;
  blob.key_id = key_id;
  blob.iv = iv_source.draw<kGcmIvBytes>();
  blob.ciphertext.resize(plaintext.size());
  blob.tag = key.encrypt_into(blob.iv, *aad, plaintext, blob.ciphertext);
  return blob;
}

Result<SecretBytes> open_blob(AesGcmKey& key, const CiphertextBlob& blob,
                              const EncryptionContext& context) {
  // A parsed blob is within bounds; a hand-built one with a bad key ID cannot authenticate.
  if (!valid_blob_key_id(blob.key_id)) return CryptoError::kAuthenticationFailed;
  if (blob.ciphertext.size() > kBlobCiphertextMaxBytes) return CryptoError::kAuthenticationFailed;
  Result<std::vector<uint8_t>> aad = blob_aad(blob.key_id, context);
  if (!aad) return aad.error();
  return key.decrypt(blob.iv, *aad, blob.ciphertext, blob.tag);
}

}  // namespace hsmsim::crypto
