// Where key material, IVs and random bytes come from.
//
// One interface, two implementations. DeterministicDrbg replays byte for byte: it is seeded
// from a 64-bit scenario seed plus a stream label, so the same (seed, label) gives the same
// bytes on every run and platform, and each owner (an HSM, a key store) gets its own label,
// so adding an owner never shifts another's bytes. RealEntropy draws from OpenSSL's RAND_bytes
// for runs that want real keys (`hsmsim run --real-entropy`).
//
// GCM must never reuse an (key, IV) pair: give every stream that draws IVs for one key a
// label of its own, and never duplicate a DRBG (it cannot be copied).
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

namespace hsmsim::crypto {

class RandomSource {
 public:
  RandomSource() = default;
  RandomSource(const RandomSource&) = delete;
  RandomSource& operator=(const RandomSource&) = delete;
  virtual ~RandomSource() = default;

  // Fills `size` bytes at `out`. Successive calls continue one stream: how a run of bytes is
  // split into calls does not change the bytes.
  virtual void fill(uint8_t* out, std::size_t size) = 0;

  void fill(std::span<uint8_t> out) { fill(out.data(), out.size()); }
  // The same bytes as fill(), for a caller that publishes them at once (an IV, which every
  // blob carries in the clear): the source need not wipe its own copy of them.
  virtual void fill_public(uint8_t* out, std::size_t size) { fill(out, size); }
  template <std::size_t N>
  std::array<uint8_t, N> draw() {
    std::array<uint8_t, N> out;
    fill(out.data(), out.size());
    return out;
  }
};

inline constexpr std::size_t kDrbgLabelMaxBytes = 1024;

// AES-256-CTR keystream (OpenSSL EVP), counter from zero, keyed by
// SHA-256("hsmsim/crypto/drbg/v1" || 0x00 || seed as 8 bytes big-endian || label).
// Not thread-safe: one owner.
class DeterministicDrbg final : public RandomSource {
 public:
  // label: at most kDrbgLabelMaxBytes (else std::invalid_argument).
  DeterministicDrbg(uint64_t seed, std::string_view label);
  ~DeterministicDrbg() override;

  using RandomSource::fill;
  void fill(uint8_t* out, std::size_t size) override;
  // As fill, without wiping the buffer's copy: one IV per Encrypt, the DRBG's usual draw.
  void fill_public(uint8_t* out, std::size_t size) override;

 private:
  struct CtxFree {
    void operator()(EVP_CIPHER_CTX* ctx) const;
  };
  // The next `size` bytes of the stream: from the buffer, refilled as needed. `wipe`: the
  // buffer's copy of the bytes handed out is wiped (secret draws).
  void take(uint8_t* out, std::size_t size, bool wipe);
  void keystream(uint8_t* out, std::size_t size);

  std::unique_ptr<EVP_CIPHER_CTX, CtxFree> ctx_;
  // Small draws (12-byte IVs, one per Encrypt) come from a buffered block of keystream: one
  // EVP call per kBufferBytes instead of one per draw. The bytes are the same either way.
  static constexpr std::size_t kBufferBytes = 1024;
  std::array<uint8_t, kBufferBytes> buffer_{};
  std::size_t buffered_ = 0;  // unread bytes at the end of buffer_
};

// OpenSSL's RAND_bytes: not reproducible. Thread-safe (OpenSSL's DRBGs are per thread).
class RealEntropy final : public RandomSource {
 public:
  using RandomSource::fill;
  void fill(uint8_t* out, std::size_t size) override;
};

enum class EntropyMode : uint8_t { kDeterministic, kRealEntropy };

// The source for one owner: a DeterministicDrbg(seed, label), or RealEntropy (which ignores
// seed and label).
std::unique_ptr<RandomSource> make_random_source(EntropyMode mode, uint64_t seed,
                                                 std::string_view label);

}  // namespace hsmsim::crypto
