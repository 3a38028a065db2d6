#include "crypto/base64.h"

#include <openssl/evp.h>

#include <cassert>
#include <climits>
#include <stdexcept>

namespace hsmsim::crypto {
namespace {

constexpr std::size_t kEncodedMaxChars = (kBase64DecodedMaxBytes + 2) / 3 * 4;
static_assert(kEncodedMaxChars <= INT_MAX);

// The 6-bit value of a base64 character, or -1.
int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Number of '=' at the end of a canonical text, or -1 if the text is not canonical.
int canonical_padding(std::string_view text) {
  if (text.size() % 4 != 0) return -1;
  if (text.empty()) return 0;
  const int padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  const std::size_t data_chars = text.size() - static_cast<std::size_t>(padding);
  for (std::size_t i = 0; i < data_chars; ++i) {
    if (sextet(text[i]) < 0) return -1;
  }
  // The last data character carries 4 (one byte in the final group) or 2 (two bytes) bits
  // that belong to no byte; canonical text has them zero.
  const int last = sextet(text[data_chars - 1]);
  if (padding == 2 && (last & 0x0f) != 0) return -1;
  if (padding == 1 && (last & 0x03) != 0) return -1;
  return padding;
}

}  // namespace

std::string base64_encode(std::span<const uint8_t> bytes) {
  if (bytes.size() > kBase64DecodedMaxBytes) {
    throw std::invalid_argument("base64_encode: " + std::to_string(bytes.size()) +
                                " bytes exceeds the bound of " +
                                std::to_string(kBase64DecodedMaxBytes));
  }
  std::string text((bytes.size() + 2) / 3 * 4 + 1, '\0');  // EVP writes a terminating NUL
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), bytes.data(),
                                      static_cast<int>(bytes.size()));
  assert(written >= 0 && static_cast<std::size_t>(written) == text.size() - 1);
  text.resize(static_cast<std::size_t>(written));
  return text;
}

Result<std::vector<uint8_t>> base64_decode(std::string_view text) {
  if (text.size() > kEncodedMaxChars) return CryptoError::kBase64TooLarge;
  const int padding = canonical_padding(text);
  if (padding < 0) return CryptoError::kBase64Invalid;
  std::vector<uint8_t> bytes(text.size() / 4 * 3);
  if (text.empty()) return bytes;
  const int written =
      EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  // EVP_DecodeBlock counts the zero bytes that padding stands for; drop them.
  if (written < 0 || static_cast<std::size_t>(written) != bytes.size()) {
    return CryptoError::kBase64Invalid;
  }
  bytes.resize(bytes.size() - static_cast<std::size_t>(padding));
  if (bytes.size() > kBase64DecodedMaxBytes) return CryptoError::kBase64TooLarge;
  return bytes;
}

}  // namespace hsmsim::crypto
