#include "crypto/encryption_context.h"

#include <cassert>
#include <limits>

#include "crypto/byte_order.h"

namespace hsmsim::crypto {
namespace {

// Encoded size, or SIZE_MAX once past the bound (so the sum cannot overflow).
std::size_t encoded_size(const EncryptionContext& context) {
  std::size_t size = 4;
  for (const auto& [key, value] : context) {
    size += 8 + key.size() + value.size();
    if (size > kEncryptionContextEncodedMaxBytes) return std::numeric_limits<std::size_t>::max();
  }
  return size;
}

}  // namespace

bool append_encryption_context(const EncryptionContext& context, std::vector<uint8_t>& out) {
  if (context.size() > kEncryptionContextEntriesMax) return false;
  const std::size_t size = encoded_size(context);
  if (size > kEncryptionContextEncodedMaxBytes) return false;
  const std::size_t start = out.size();
  out.reserve(start + size);
  append_u32_be(out, static_cast<uint32_t>(context.size()));
  // std::map iterates keys strictly increasing bytewise: its order is the canonical one.
  for (const auto& [key, value] : context) {
    append_u32_be(out, static_cast<uint32_t>(key.size()));
    out.insert(out.end(), key.begin(), key.end());
    append_u32_be(out, static_cast<uint32_t>(value.size()));
    out.insert(out.end(), value.begin(), value.end());
  }
  assert(out.size() - start == size);
  return true;
}

Result<std::vector<uint8_t>> encode_encryption_context(const EncryptionContext& context) {
  std::vector<uint8_t> out;
  if (!append_encryption_context(context, out)) return CryptoError::kContextTooLarge;
  return out;
}

}  // namespace hsmsim::crypto
