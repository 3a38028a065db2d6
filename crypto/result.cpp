#include "crypto/result.h"

namespace hsmsim::crypto {

std::string_view crypto_error_name(CryptoError error) {
  switch (error) {
    case CryptoError::kAuthenticationFailed:
      return "authentication_failed";
    case CryptoError::kPlaintextTooLarge:
      return "plaintext_too_large";
    case CryptoError::kKeyIdInvalid:
      return "key_id_invalid";
    case CryptoError::kContextTooLarge:
      return "context_too_large";
    case CryptoError::kBlobTruncated:
      return "blob_truncated";
    case CryptoError::kBlobVersionUnsupported:
      return "blob_version_unsupported";
    case CryptoError::kBlobCiphertextTooLarge:
      return "blob_ciphertext_too_large";
    case CryptoError::kBlobTrailingBytes:
      return "blob_trailing_bytes";
    case CryptoError::kBase64Invalid:
      return "base64_invalid";
    case CryptoError::kBase64TooLarge:
      return "base64_too_large";
  }
  return "unknown";
}

}  // namespace hsmsim::crypto
