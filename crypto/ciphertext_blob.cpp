#include "crypto/ciphertext_blob.h"

#include <algorithm>
#include <cassert>
#include <optional>
#include <stdexcept>

#include "crypto/byte_order.h"

namespace hsmsim::crypto {
namespace {

static_assert(kBlobKeyIdMaxBytes <= UINT16_MAX);
static_assert(kBlobCiphertextMaxBytes <= kGcmMessageMaxBytes);

// Reads a byte string front to back; every read is checked against what is left.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : rest_(bytes) {}

  std::optional<std::span<const uint8_t>> take(std::size_t size) {
    if (size > rest_.size()) return std::nullopt;
    std::span<const uint8_t> taken = rest_.first(size);
    rest_ = rest_.subspan(size);
    return taken;
  }
  std::size_t remaining() const { return rest_.size(); }

 private:
  std::span<const uint8_t> rest_;
};

template <std::size_t N>
std::array<uint8_t, N> to_array(std::span<const uint8_t> bytes) {
  assert(bytes.size() == N);
  std::array<uint8_t, N> out{};
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

}  // namespace

bool valid_blob_key_id(std::string_view key_id) {
  if (key_id.empty() || key_id.size() > kBlobKeyIdMaxBytes) return false;
  return std::all_of(key_id.begin(), key_id.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte >= 0x21 && byte <= 0x7e;
  });
}

std::vector<uint8_t> blob_header(std::string_view key_id) {
  if (!valid_blob_key_id(key_id)) throw std::invalid_argument("blob_header: invalid key ID");
  std::vector<uint8_t> out;
  out.reserve(3 + key_id.size());
  out.push_back(kBlobVersion);
  append_u16_be(out, static_cast<uint16_t>(key_id.size()));
  out.insert(out.end(), key_id.begin(), key_id.end());
  return out;
}

Result<std::vector<uint8_t>> blob_aad(std::string_view key_id, const EncryptionContext& context) {
  if (!valid_blob_key_id(key_id)) return CryptoError::kKeyIdInvalid;
  std::vector<uint8_t> aad = blob_header(key_id);
  if (!append_encryption_context(context, aad)) return CryptoError::kContextTooLarge;
  return aad;
}

std::vector<uint8_t> serialize_blob(const CiphertextBlob& blob) {
  if (blob.ciphertext.size() > kBlobCiphertextMaxBytes) {
    throw std::invalid_argument(
        "serialize_blob: ciphertext of " + std::to_string(blob.ciphertext.size()) +
        " bytes exceeds the bound of " + std::to_string(kBlobCiphertextMaxBytes));
  }
  std::vector<uint8_t> out = blob_header(blob.key_id);
  out.reserve(kBlobFixedBytes + blob.key_id.size() + blob.ciphertext.size());
  out.insert(out.end(), blob.iv.begin(), blob.iv.end());
  append_u32_be(out, static_cast<uint32_t>(blob.ciphertext.size()));
  out.insert(out.end(), blob.ciphertext.begin(), blob.ciphertext.end());
  out.insert(out.end(), blob.tag.begin(), blob.tag.end());
  assert(out.size() == kBlobFixedBytes + blob.key_id.size() + blob.ciphertext.size());
  return out;
}

Result<BlobView> parse_blob_view(std::span<const uint8_t> bytes) {
  // A blob longer than the largest valid one is rejected before any field is read.
  if (bytes.size() > kBlobMaxBytes) return CryptoError::kBlobTrailingBytes;
  Reader reader(bytes);
  const auto version = reader.take(1);
  if (!version) return CryptoError::kBlobTruncated;
  if ((*version)[0] != kBlobVersion) return CryptoError::kBlobVersionUnsupported;

  const auto key_id_len = reader.take(2);
  if (!key_id_len) return CryptoError::kBlobTruncated;
  const uint16_t key_id_size = read_u16_be(*key_id_len);
  if (key_id_size == 0 || key_id_size > kBlobKeyIdMaxBytes) return CryptoError::kKeyIdInvalid;
  const auto key_id = reader.take(key_id_size);
  if (!key_id) return CryptoError::kBlobTruncated;

  BlobView blob;
  blob.key_id = std::string_view(reinterpret_cast<const char*>(key_id->data()), key_id->size());
  if (!valid_blob_key_id(blob.key_id)) return CryptoError::kKeyIdInvalid;

  const auto iv = reader.take(kGcmIvBytes);
  if (!iv) return CryptoError::kBlobTruncated;
  blob.iv = to_array<kGcmIvBytes>(*iv);

  const auto ciphertext_len = reader.take(4);
  if (!ciphertext_len) return CryptoError::kBlobTruncated;
  const uint32_t ciphertext_size = read_u32_be(*ciphertext_len);
  if (ciphertext_size > kBlobCiphertextMaxBytes) return CryptoError::kBlobCiphertextTooLarge;
  const auto ciphertext = reader.take(ciphertext_size);
  if (!ciphertext) return CryptoError::kBlobTruncated;
  blob.ciphertext = *ciphertext;

  const auto tag = reader.take(kGcmTagBytes);
  if (!tag) return CryptoError::kBlobTruncated;
  blob.tag = to_array<kGcmTagBytes>(*tag);

  if (reader.remaining() != 0) return CryptoError::kBlobTrailingBytes;
  return blob;
}

Result<CiphertextBlob> parse_blob(std::span<const uint8_t> bytes) {
  Result<BlobView> view = parse_blob_view(bytes);
  if (!view) return view.error();
  CiphertextBlob blob;
  blob.key_id = view->key_id;
  blob.iv = view->iv;
  blob.tag = view->tag;
  blob.ciphertext.assign(view->ciphertext.begin(), view->ciphertext.end());
  return blob;
}

}  // namespace hsmsim::crypto
