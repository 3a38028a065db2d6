// Big-endian integers in the crypto layer's byte formats (blob header, context encoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hsmsim::crypto {

inline void append_u16_be(std::vector<uint8_t>& out, uint16_t value) {
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

inline void append_u32_be(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<uint8_t>(value >> shift));
}

// Callers check bytes.size() first.
inline uint16_t read_u16_be(std::span<const uint8_t> bytes) {
  return static_cast<uint16_t>((uint16_t{bytes[0]} << 8) | bytes[1]);
}

inline uint32_t read_u32_be(std::span<const uint8_t> bytes) {
  return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) |
         uint32_t{bytes[3]};
}

}  // namespace hsmsim::crypto
