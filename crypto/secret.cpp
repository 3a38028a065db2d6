#include "crypto/secret.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cassert>
#include <stdexcept>
#include <utility>

#include "crypto/random_source.h"

namespace hsmsim::crypto {

std::string redacted_text(std::size_t size) {
  return "<redacted " + std::to_string(size) + " bytes>";
}

// ---------------------------------------------------------------------------------------------
// KeyMaterial
// ---------------------------------------------------------------------------------------------

KeyMaterial KeyMaterial::generate(RandomSource& random) {
  KeyMaterial key;
  random.fill(key.bytes_.data(), key.bytes_.size());
  key.valid_ = true;
  return key;
}

KeyMaterial KeyMaterial::from_bytes(std::span<const uint8_t, kKeyMaterialBytes> bytes) {
  KeyMaterial key;
  std::copy(bytes.begin(), bytes.end(), key.bytes_.begin());
  key.valid_ = true;
  return key;
}

KeyMaterial::KeyMaterial(KeyMaterial&& other) noexcept
    : bytes_(other.bytes_), valid_(other.valid_) {
  other.wipe();
}

KeyMaterial& KeyMaterial::operator=(KeyMaterial&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    valid_ = other.valid_;
    other.wipe();
  }
  return *this;
}

KeyMaterial::~KeyMaterial() {
  wipe();
}

void KeyMaterial::wipe() noexcept {
  OPENSSL_cleanse(bytes_.data(), bytes_.size());
  valid_ = false;
}

KeyMaterial KeyMaterial::clone() const {
  assert(valid_);
  KeyMaterial copy;
  copy.bytes_ = bytes_;
  copy.valid_ = valid_;
  return copy;
}

bool KeyMaterial::same_material_as(const KeyMaterial& other) const {
  return CRYPTO_memcmp(bytes_.data(), other.bytes_.data(), bytes_.size()) == 0;
}

std::string KeyMaterial::redacted() const {
  return redacted_text(bytes_.size());
}

// ---------------------------------------------------------------------------------------------
// SecretBytes
// ---------------------------------------------------------------------------------------------

SecretBytes::SecretBytes(std::size_t size) {
  if (size > kSecretBytesMax) {
    throw std::length_error("SecretBytes: " + std::to_string(size) +
                            " bytes exceeds the bound of " + std::to_string(kSecretBytesMax));
  }
  if (size == 0) return;
  data_ = new uint8_t[size]();
  size_ = size;
}

SecretBytes SecretBytes::copy_of(std::span<const uint8_t> bytes) {
  SecretBytes secret(bytes.size());
  std::copy(bytes.begin(), bytes.end(), secret.data_);
  return secret;
}

SecretBytes SecretBytes::generate(RandomSource& random, std::size_t size) {
  SecretBytes secret(size);
  random.fill(secret.data_, secret.size_);
  return secret;
}

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    release();
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

SecretBytes::~SecretBytes() {
  release();
}

void SecretBytes::release() noexcept {
  if (data_ != nullptr) {
    OPENSSL_cleanse(data_, size_);
    delete[] data_;
  }
  data_ = nullptr;
  size_ = 0;
}

SecretBytes SecretBytes::clone() const {
  return copy_of(bytes());
}

bool SecretBytes::same_bytes_as(std::span<const uint8_t> other) const {
  if (other.size() != size_) return false;
  if (size_ == 0) return true;
  return CRYPTO_memcmp(data_, other.data(), size_) == 0;
}

std::string SecretBytes::redacted() const {
  return redacted_text(size_);
}

}  // namespace hsmsim::crypto
