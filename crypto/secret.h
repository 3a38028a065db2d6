// Key material and secret buffers: types that cannot leak into a trace or an output.
//
// Neither type can be copied (only moved, or duplicated on purpose with clone()), printed
// (operator<< is deleted; there is no fmt formatter or JSON conversion), or converted to a
// string or byte container implicitly. The bytes are reachable only through the explicit
// bytes() accessor, meant for the cipher. Storage is wiped with OPENSSL_cleanse when the
// object is destroyed, assigned over or moved from. What may be printed is redacted():
// "<redacted N bytes>".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>

namespace hsmsim::crypto {

class RandomSource;

// An AES-256 key: exactly 32 bytes, held inline (no heap copy to chase).
inline constexpr std::size_t kKeyMaterialBytes = 32;

class KeyMaterial {
 public:
  // Fresh key bytes drawn from `random` (a deterministic DRBG in simulations).
  static KeyMaterial generate(RandomSource& random);
  // Imports known bytes (test vectors). The caller still owns and must wipe its own copy.
  static KeyMaterial from_bytes(std::span<const uint8_t, kKeyMaterialBytes> bytes);

  KeyMaterial(const KeyMaterial&) = delete;
  KeyMaterial& operator=(const KeyMaterial&) = delete;
  // The moved-from object is wiped (all zero) and no longer valid().
  KeyMaterial(KeyMaterial&& other) noexcept;
  KeyMaterial& operator=(KeyMaterial&& other) noexcept;
  ~KeyMaterial();

  // False once moved from.
  bool valid() const { return valid_; }
  // For the cipher only. All zero when moved from.
  std::span<const uint8_t, kKeyMaterialBytes> bytes() const { return bytes_; }
  // A deliberate duplicate (e.g. a key copied to another HSM), with the same protections.
  KeyMaterial clone() const;
  // Constant-time comparison of the bytes (CRYPTO_memcmp).
  bool same_material_as(const KeyMaterial& other) const;
  // "<redacted 32 bytes>"
  std::string redacted() const;

  friend std::ostream& operator<<(std::ostream&, const KeyMaterial&) = delete;

 private:
  KeyMaterial() = default;
  void wipe() noexcept;

  std::array<uint8_t, kKeyMaterialBytes> bytes_{};
  bool valid_ = false;
};

// Variable-size secret bytes: data keys and plaintexts handed back to callers.
inline constexpr std::size_t kSecretBytesMax = 1 << 20;

class SecretBytes {
 public:
  SecretBytes() = default;
  // `size` zero bytes, size <= kSecretBytesMax (else std::length_error).
  explicit SecretBytes(std::size_t size);
  static SecretBytes copy_of(std::span<const uint8_t> bytes);
  static SecretBytes generate(RandomSource& random, std::size_t size);

  SecretBytes(const SecretBytes&) = delete;
  SecretBytes& operator=(const SecretBytes&) = delete;
  // The moved-from object is empty; the buffer itself moves, so no copy is left behind.
  SecretBytes(SecretBytes&& other) noexcept;
  SecretBytes& operator=(SecretBytes&& other) noexcept;
  // Wipes the buffer (OPENSSL_cleanse) before freeing it.
  ~SecretBytes();

  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  std::span<uint8_t> mutable_bytes() { return {data_, size_}; }
  SecretBytes clone() const;
  // Constant-time in the contents for equal sizes.
  bool same_bytes_as(std::span<const uint8_t> other) const;
  // "<redacted N bytes>"
  std::string redacted() const;

  friend std::ostream& operator<<(std::ostream&, const SecretBytes&) = delete;

 private:
  void release() noexcept;

  uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

// The one printable form of a secret of `size` bytes.
std::string redacted_text(std::size_t size);

}  // namespace hsmsim::crypto
