// Base64 (RFC 4648 §4, standard alphabet, padded) for blobs in JSON responses.
//
// Decoding is strict: only the canonical encoding of some byte string is accepted (length a
// multiple of 4, alphabet A-Z a-z 0-9 + /, '=' only as the final one or two characters, zero
// unused bits), so every accepted text maps to exactly one byte string and back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.h"

namespace hsmsim::crypto {

inline constexpr std::size_t kBase64DecodedMaxBytes = std::size_t{1} << 20;

// Above kBase64DecodedMaxBytes of input is a bug (std::invalid_argument).
std::string base64_encode(std::span<const uint8_t> bytes);

// kBase64Invalid or kBase64TooLarge.
Result<std::vector<uint8_t>> base64_decode(std::string_view text);

}  // namespace hsmsim::crypto
