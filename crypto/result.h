// Errors as values for the crypto layer: a Result<T> holds either a T or a CryptoError.
//
// Authentication failures, malformed blobs and oversized inputs are ordinary outcomes here
// (a forged ciphertext is the caller's input, not a bug), so they are returned, never thrown.
// Exceptions are kept for bugs: a broken precondition or OpenSSL failing internally.
#pragma once

#include <cassert>
#include <cstdint>
#include <string_view>
#include <utility>
#include <variant>

namespace hsmsim::crypto {

enum class CryptoError : uint8_t {
  kAuthenticationFailed,    // tag mismatch: wrong key, wrong context or tampered bytes
  kPlaintextTooLarge,       // above the documented bound of the operation
  kKeyIdInvalid,            // empty, too long, or not printable ASCII
  kContextTooLarge,         // encryption context above its entry or byte bound
  kBlobTruncated,           // fewer bytes than the header or a length field announces
  kBlobVersionUnsupported,  // first byte is not a known version
  kBlobCiphertextTooLarge,  // ciphertext length field above kBlobCiphertextMaxBytes
  kBlobTrailingBytes,       // bytes left after the tag
  kBase64Invalid,           // not canonical padded base64
  kBase64TooLarge,          // decoded size above kBase64DecodedMaxBytes
};

// A stable name for messages and tests, e.g. "authentication_failed".
std::string_view crypto_error_name(CryptoError error);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(CryptoError error) : state_(std::in_place_index<1>, error) {}   // NOLINT: implicit

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // Reading the value of an error is a bug: std::bad_variant_access.
  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  CryptoError error() const {
    assert(!ok());
    return std::get<1>(state_);
  }

 private:
  std::variant<T, CryptoError> state_;
};

}  // namespace hsmsim::crypto
