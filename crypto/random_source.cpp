#include "crypto/random_source.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

namespace hsmsim::crypto {
namespace {

constexpr std::string_view kDrbgDomain = "hsmsim/crypto/drbg/v1";
// EVP and RAND take int lengths; larger fills go in chunks of this size.
constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
static_assert(kChunkBytes <= INT_MAX);

// SHA-256 of the domain, a separator, the seed (big-endian) and the label. The domain keeps
// this key apart from every other SHA-256(seed, name) in the project (sim/ streams); the seed
// has a fixed width and the label comes last, so distinct (seed, label) give distinct input.
std::array<uint8_t, 32> drbg_key(uint64_t seed, std::string_view label) {
  std::vector<uint8_t> input(kDrbgDomain.begin(), kDrbgDomain.end());
  input.push_back(0x00);
  for (int shift = 56; shift >= 0; shift -= 8) {
    input.push_back(static_cast<uint8_t>(seed >> shift));
  }
  input.insert(input.end(), label.begin(), label.end());
  std::array<uint8_t, 32> key{};
  unsigned int key_len = 0;
  if (EVP_Digest(input.data(), input.size(), key.data(), &key_len, EVP_sha256(), nullptr) != 1 ||
      key_len != key.size()) {
    throw std::runtime_error("DeterministicDrbg: SHA-256 failed in OpenSSL");
  }
  return key;
}

}  // namespace

void DeterministicDrbg::CtxFree::operator()(EVP_CIPHER_CTX* ctx) const {
  EVP_CIPHER_CTX_free(ctx);
}

DeterministicDrbg::DeterministicDrbg(uint64_t seed, std::string_view label)
    : ctx_(EVP_CIPHER_CTX_new()) {
  if (label.size() > kDrbgLabelMaxBytes) {
    throw std::invalid_argument("DeterministicDrbg: label of " + std::to_string(label.size()) +
                                " bytes exceeds the bound of " +
                                std::to_string(kDrbgLabelMaxBytes));
  }
  if (!ctx_) throw std::runtime_error("DeterministicDrbg: EVP_CIPHER_CTX_new failed");
  std::array<uint8_t, 32> key = drbg_key(seed, label);
  const std::array<uint8_t, 16> counter_start{};
  const int ok =
      EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_ctr(), nullptr, key.data(), counter_start.data());
  OPENSSL_cleanse(key.data(), key.size());
  if (ok != 1) throw std::runtime_error("DeterministicDrbg: AES-256-CTR init failed in OpenSSL");
}

DeterministicDrbg::~DeterministicDrbg() {
  OPENSSL_cleanse(buffer_.data(), buffer_.size());
}

// The keystream is AES-CTR applied to zero bytes. CTR keeps its position within a block
// across updates, so the stream does not depend on how it is cut into calls; the buffer is
// always drained before the stream is read further, so it does not change the bytes either.
void DeterministicDrbg::fill(uint8_t* out, std::size_t size) {
  take(out, size, /*wipe=*/true);
}

void DeterministicDrbg::fill_public(uint8_t* out, std::size_t size) {
  take(out, size, /*wipe=*/false);
}

void DeterministicDrbg::take(uint8_t* out, std::size_t size, bool wipe) {
  assert(out != nullptr || size == 0);
  const std::size_t from_buffer = std::min(size, buffered_);
  if (from_buffer > 0) {
    uint8_t* unread = buffer_.data() + (kBufferBytes - buffered_);
    std::memcpy(out, unread, from_buffer);
    if (wipe) OPENSSL_cleanse(unread, from_buffer);
    buffered_ -= from_buffer;
    out += from_buffer;
    size -= from_buffer;
  }
  if (size == 0) return;
  if (size >= kBufferBytes) {  // large draws go straight to the caller
    keystream(out, size);
    return;
  }
  keystream(buffer_.data(), kBufferBytes);
  std::memcpy(out, buffer_.data(), size);
  if (wipe) OPENSSL_cleanse(buffer_.data(), size);
  buffered_ = kBufferBytes - size;
}

void DeterministicDrbg::keystream(uint8_t* out, std::size_t size) {
  while (size > 0) {
    const std::size_t chunk = std::min(size, kChunkBytes);
    std::memset(out, 0, chunk);
    int written = 0;
    if (EVP_EncryptUpdate(ctx_.get(), out, &written, out, static_cast<int>(chunk)) != 1 ||
        written != static_cast<int>(chunk)) {
      throw std::runtime_error("DeterministicDrbg: AES-256-CTR failed in OpenSSL");
    }
    out += chunk;
    size -= chunk;
  }
}

void RealEntropy::fill(uint8_t* out, std::size_t size) {
  assert(out != nullptr || size == 0);
  while (size > 0) {
    const std::size_t chunk = std::min(size, kChunkBytes);
    if (RAND_bytes(out, static_cast<int>(chunk)) != 1) {
      throw std::runtime_error("RealEntropy: RAND_bytes failed in OpenSSL");
    }
    out += chunk;
    size -= chunk;
  }
}

std::unique_ptr<RandomSource> make_random_source(EntropyMode mode, uint64_t seed,
                                                 std::string_view label) {
  switch (mode) {
    case EntropyMode::kDeterministic:
      return std::make_unique<DeterministicDrbg>(seed, label);
    case EntropyMode::kRealEntropy:
      return std::make_unique<RealEntropy>();
  }
  throw std::invalid_argument("make_random_source: unknown EntropyMode");
}

}  // namespace hsmsim::crypto
