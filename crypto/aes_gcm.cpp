#include "crypto/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cassert>
#include <climits>
#include <stdexcept>
#include <string>
#include <utility>

namespace hsmsim::crypto {
namespace {

static_assert(kGcmMessageMaxBytes <= INT_MAX && kGcmAadMaxBytes <= INT_MAX);
// decrypt() hands any message back as SecretBytes.
static_assert(kGcmMessageMaxBytes <= kSecretBytesMax);

[[noreturn]] void openssl_failure(const char* what) {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  std::string message = std::string("AesGcmKey: ") + what + " failed in OpenSSL";
  if (code != 0) {
    char reason[256];
    ERR_error_string_n(code, reason, sizeof reason);
    message += std::string(" (") + reason + ")";
  }
  throw std::runtime_error(message);
}

// Throws the error check_sizes found: out of line, so each operation pays three compares.
[[noreturn, gnu::cold, gnu::noinline]] void size_failure(std::span<const uint8_t> aad,
                                                         std::size_t in_size,
                                                         std::size_t out_size) {
  if (in_size > kGcmMessageMaxBytes) {
    throw std::invalid_argument("AesGcmKey: message of " + std::to_string(in_size) +
                                " bytes exceeds the bound of " +
                                std::to_string(kGcmMessageMaxBytes));
  }
  if (aad.size() > kGcmAadMaxBytes) {
    throw std::invalid_argument("AesGcmKey: AAD of " + std::to_string(aad.size()) +
                                " bytes exceeds the bound of " + std::to_string(kGcmAadMaxBytes));
  }
  // Neither bound broken: the output buffer's size is what check_sizes found wrong.
  throw std::invalid_argument("AesGcmKey: output buffer of " + std::to_string(out_size) +
                              " bytes for a message of " + std::to_string(in_size));
}

inline void check_sizes(std::span<const uint8_t> aad, std::size_t in_size, std::size_t out_size) {
  if (in_size > kGcmMessageMaxBytes || aad.size() > kGcmAadMaxBytes || out_size != in_size)
      [[unlikely]] {
    size_failure(aad, in_size, out_size);
  }
}

// Creates a context for AES-256-GCM with 12-byte IVs and gives it the key, once.
EVP_CIPHER_CTX* keyed_context(const KeyMaterial& material, bool encrypt) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) openssl_failure("EVP_CIPHER_CTX_new");
  const int enc = encrypt ? 1 : 0;
  if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), nullptr, nullptr, nullptr, enc) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, static_cast<int>(kGcmIvBytes), nullptr) !=
          1 ||
      EVP_CipherInit_ex(ctx, nullptr, nullptr, material.bytes().data(), nullptr, enc) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    openssl_failure("AES-256-GCM key setup");
  }
  return ctx;
}

}  // namespace

void AesGcmKey::CtxFree::operator()(EVP_CIPHER_CTX* ctx) const {
  // The GCM provider frees its context (key schedule included) with OPENSSL_clear_free.
  EVP_CIPHER_CTX_free(ctx);
}

AesGcmKey::AesGcmKey(KeyMaterial material) : material_(std::move(material)) {
  if (!material_.valid()) throw std::invalid_argument("AesGcmKey: key material moved from");
  encrypt_ctx_.reset(keyed_context(material_, /*encrypt=*/true));
  decrypt_ctx_.reset(keyed_context(material_, /*encrypt=*/false));
}

AesGcmKey::AesGcmKey(AesGcmKey&&) noexcept = default;
AesGcmKey& AesGcmKey::operator=(AesGcmKey&&) noexcept = default;
AesGcmKey::~AesGcmKey() = default;

GcmTag AesGcmKey::encrypt_into(GcmIvView iv, std::span<const uint8_t> aad,
                               std::span<const uint8_t> plaintext, std::span<uint8_t> ciphertext) {
  check_sizes(aad, plaintext.size(), ciphertext.size());
  EVP_CIPHER_CTX* ctx = encrypt_ctx_.get();
  if (ctx == nullptr) throw std::logic_error("AesGcmKey: used after move");
  if (EVP_EncryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1) {
    openssl_failure("IV reset");
  }
  int written = 0;
  if (!aad.empty() &&
      EVP_EncryptUpdate(ctx, nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    openssl_failure("AAD");
  }
  if (!plaintext.empty()) {
    if (EVP_EncryptUpdate(ctx, ciphertext.data(), &written, plaintext.data(),
                          static_cast<int>(plaintext.size())) != 1) {
      openssl_failure("encrypt");
    }
    // GCM is a stream mode: every input byte comes out at once.
    assert(static_cast<std::size_t>(written) == plaintext.size());
  }
  uint8_t final_block[16];
  int final_written = 0;
  if (EVP_EncryptFinal_ex(ctx, final_block, &final_written) != 1) openssl_failure("final");
  assert(final_written == 0);
  GcmTag tag{};
  if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()), tag.data()) !=
      1) {
    openssl_failure("get tag");
  }
  return tag;
}

bool AesGcmKey::decrypt_into(const GcmIv& iv, std::span<const uint8_t> aad,
                             std::span<const uint8_t> ciphertext, const GcmTag& tag,
                             std::span<uint8_t> plaintext) {
  check_sizes(aad, ciphertext.size(), plaintext.size());
  EVP_CIPHER_CTX* ctx = decrypt_ctx_.get();
  if (ctx == nullptr) throw std::logic_error("AesGcmKey: used after move");
  GcmTag expected = tag;  // EVP's ctrl takes a non-const pointer
  if (EVP_DecryptInit_ex(ctx, nullptr, nullptr, nullptr, iv.data()) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(expected.size()),
                          expected.data()) != 1) {
    openssl_failure("IV reset");
  }
  int written = 0;
  if (!aad.empty() &&
      EVP_DecryptUpdate(ctx, nullptr, &written, aad.data(), static_cast<int>(aad.size())) != 1) {
    openssl_failure("AAD");
  }
  if (!ciphertext.empty()) {
    if (EVP_DecryptUpdate(ctx, plaintext.data(), &written, ciphertext.data(),
                          static_cast<int>(ciphertext.size())) != 1) {
      openssl_failure("decrypt");
    }
    assert(static_cast<std::size_t>(written) == ciphertext.size());
  }
  uint8_t final_block[16];
  int final_written = 0;
  if (EVP_DecryptFinal_ex(ctx, final_block, &final_written) > 0) {
    assert(final_written == 0);
    return true;
  }
  // A bad tag: never release unauthenticated plaintext, and leave no error on the queue.
  if (!plaintext.empty()) OPENSSL_cleanse(plaintext.data(), plaintext.size());
  ERR_clear_error();
  return false;
}

GcmSealed AesGcmKey::encrypt(const GcmIv& iv, std::span<const uint8_t> aad,
                             std::span<const uint8_t> plaintext) {
  GcmSealed sealed;
  sealed.ciphertext.resize(plaintext.size());
  sealed.tag = encrypt_into(iv, aad, plaintext, sealed.ciphertext);
  return sealed;
}

Result<SecretBytes> AesGcmKey::decrypt(const GcmIv& iv, std::span<const uint8_t> aad,
                                       std::span<const uint8_t> ciphertext, const GcmTag& tag) {
  check_sizes(aad, ciphertext.size(), ciphertext.size());
  SecretBytes plaintext(ciphertext.size());
  if (!decrypt_into(iv, aad, ciphertext, tag, plaintext.mutable_bytes())) {
    return CryptoError::kAuthenticationFailed;
  }
  return plaintext;
}

}  // namespace hsmsim::crypto
