// AES-256-GCM on OpenSSL 3 EVP, with the cipher contexts kept per key.
//
// An AesGcmKey owns its KeyMaterial and two EVP contexts, one for encryption and one for
// decryption, each given the key once at construction (the AES key schedule and GHASH table
// are computed once). Each operation only resets the IV:
// EVP_{En,De}cryptInit_ex(ctx, nullptr, nullptr, nullptr, iv). IVs are 12 bytes, tags 16.
//
// An authentication failure is an ordinary outcome (false / CryptoError), never an exception,
// and it never hands back unauthenticated plaintext: the output is zeroed.
// Not thread-safe: one owner per key (a simulation owns its keys).
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "crypto/result.h"
#include "crypto/secret.h"

namespace hsmsim::crypto {

inline constexpr std::size_t kGcmIvBytes = 12;
inline constexpr std::size_t kGcmTagBytes = 16;
// Bounds on one message and its AAD (well below EVP's int lengths).
inline constexpr std::size_t kGcmMessageMaxBytes = std::size_t{1} << 20;
inline constexpr std::size_t kGcmAadMaxBytes = std::size_t{1} << 20;

using GcmIv = std::array<uint8_t, kGcmIvBytes>;
// An IV where it already is (a GcmIv, or the IV field of a blob being written).
using GcmIvView = std::span<const uint8_t, kGcmIvBytes>;
using GcmTag = std::array<uint8_t, kGcmTagBytes>;

struct GcmSealed {
  std::vector<uint8_t> ciphertext;  // same length as the plaintext
  GcmTag tag{};
};

class AesGcmKey {
 public:
  // Takes the key (valid()); creates and keys both contexts.
  explicit AesGcmKey(KeyMaterial material);
  AesGcmKey(AesGcmKey&&) noexcept;
  AesGcmKey& operator=(AesGcmKey&&) noexcept;
  AesGcmKey(const AesGcmKey&) = delete;
  AesGcmKey& operator=(const AesGcmKey&) = delete;
  ~AesGcmKey();

  // The hot path, no allocation: ciphertext.size() must equal plaintext.size()
  // (<= kGcmMessageMaxBytes), aad.size() <= kGcmAadMaxBytes; a broken bound is a bug
  // (std::invalid_argument). Returns the tag.
  GcmTag encrypt_into(GcmIvView iv, std::span<const uint8_t> aad,
                      std::span<const uint8_t> plaintext, std::span<uint8_t> ciphertext);
  // True when the tag verifies; plaintext holds the message. False otherwise, with plaintext
  // zeroed. plaintext.size() must equal ciphertext.size().
  [[nodiscard]] bool decrypt_into(const GcmIv& iv, std::span<const uint8_t> aad,
                                  std::span<const uint8_t> ciphertext, const GcmTag& tag,
                                  std::span<uint8_t> plaintext);

  // Allocating forms of the two above.
  GcmSealed encrypt(const GcmIv& iv, std::span<const uint8_t> aad,
                    std::span<const uint8_t> plaintext);
  // kAuthenticationFailed on a bad tag.
  Result<SecretBytes> decrypt(const GcmIv& iv, std::span<const uint8_t> aad,
                              std::span<const uint8_t> ciphertext, const GcmTag& tag);

  // The key itself, e.g. to clone() it onto another HSM.
  const KeyMaterial& material() const { return material_; }

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const;
  };
  using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

  KeyMaterial material_;
  Ctx encrypt_ctx_;
  Ctx decrypt_ctx_;
};

}  // namespace hsmsim::crypto
