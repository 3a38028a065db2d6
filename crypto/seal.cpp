#include "crypto/seal.h"

#include <cassert>
#include <cstring>
#include <stdexcept>
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
  iv_source.fill_public(blob.iv.data(), blob.iv.size());
  blob.ciphertext.resize(plaintext.size());
  blob.tag = key.encrypt_into(blob.iv, *aad, plaintext, blob.ciphertext);
  return blob;
}

void seal_serialized_into(AesGcmKey& key, std::string_view key_id, std::span<const uint8_t> aad,
                          std::span<const uint8_t> plaintext, RandomSource& iv_source,
                          std::vector<uint8_t>& out) {
  // The key ID is the caller's (a KMS key ARN, valid by construction): checked in debug
  // builds only, as it would cost a pass over it per request.
  assert(valid_blob_key_id(key_id));
  if (key_id.empty() || key_id.size() > kBlobKeyIdMaxBytes ||
      plaintext.size() > kBlobCiphertextMaxBytes) {
    throw std::invalid_argument("seal_serialized_into: plaintext above the blob bound");
  }
  // Layout of ciphertext_blob.h: version, key_id_len, key_id, iv, ciphertext_len, ciphertext,
  // tag. Written in place, so no intermediate CiphertextBlob is built.
  const std::size_t k = key_id.size();
  const std::size_t n = plaintext.size();
  out.resize(kBlobFixedBytes + k + n);
  uint8_t* p = out.data();
  *p++ = kBlobVersion;
  *p++ = static_cast<uint8_t>(k >> 8);
  *p++ = static_cast<uint8_t>(k);
  std::memcpy(p, key_id.data(), k);
  p += k;
  // The IV is drawn straight into the blob and used from there. (Drawn into a GcmIv and
  // copied, it was read back right after the draw's memcpy with loads the CPU could not
  // forward from that memcpy's overlapping stores: a stall per seal.)
  const GcmIvView iv(p, kGcmIvBytes);
  iv_source.fill_public(p, kGcmIvBytes);
  p += kGcmIvBytes;
  for (int shift = 24; shift >= 0; shift -= 8)
    *p++ = static_cast<uint8_t>(n >> shift);
  const GcmTag tag = key.encrypt_into(iv, aad, plaintext, std::span<uint8_t>(p, n));
  p += n;
  std::memcpy(p, tag.data(), tag.size());
}

bool open_view_into(AesGcmKey& key, const BlobView& blob, std::span<const uint8_t> aad,
                    SecretBytes& plaintext) {
  if (plaintext.size() != blob.ciphertext.size()) plaintext = SecretBytes(blob.ciphertext.size());
  return key.decrypt_into(blob.iv, aad, blob.ciphertext, blob.tag, plaintext.mutable_bytes());
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
