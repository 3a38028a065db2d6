// KMS encryption context -> AAD, through one canonical, unambiguous byte encoding.
//
//   u32 count || for each entry in bytewise key order: u32 key_len || key || u32 value_len || value
//
// (u32 = 4 bytes big-endian.) Every field is length-prefixed and the entry count leads, so the
// bytes parse back to exactly one map: {"ab": "c"} and {"a": "bc"} cannot collide, nor can a
// map and the same map with an entry added. Keys are unique and sorted bytewise (unsigned
// byte comparison: std::map<std::string, ...> orders by std::char_traits<char>::lt, which the
// standard defines on unsigned char), so insertion order never matters.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "crypto/result.h"

namespace hsmsim::crypto {

using EncryptionContext = std::map<std::string, std::string>;

inline constexpr std::size_t kEncryptionContextEntriesMax = 1024;
inline constexpr std::size_t kEncryptionContextEncodedMaxBytes = 64 * 1024;

// The canonical encoding, or kContextTooLarge above either bound.
Result<std::vector<uint8_t>> encode_encryption_context(const EncryptionContext& context);

// Appends the canonical encoding to `out`; false (out unchanged) above either bound.
[[nodiscard]] bool append_encryption_context(const EncryptionContext& context,
                                             std::vector<uint8_t>& out);

}  // namespace hsmsim::crypto
