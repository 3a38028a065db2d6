// Lowercase hexadecimal for non-secret bytes (test vectors, digests, blob dumps in tests).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hsmsim::crypto {

std::string hex_encode(std::span<const uint8_t> bytes);
// Upper or lower case; nullopt for an odd length or a non-hex character.
std::optional<std::vector<uint8_t>> hex_decode(std::string_view text);

}  // namespace hsmsim::crypto
