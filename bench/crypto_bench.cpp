#include "bench/crypto_bench.h"

#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <ctime>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "crypto/aes_gcm.h"
#include "crypto/random_source.h"
#include "crypto/seal.h"
#include "crypto/secret.h"

namespace hsmsim::bench {
namespace {

using crypto::AesGcmKey;
using crypto::DeterministicDrbg;
using crypto::GcmIv;
using crypto::GcmTag;
using crypto::KeyMaterial;

// Operations between two reads of the clock: the clock costs far less than this many.
constexpr uint64_t kOpsPerCheck = 256;
constexpr uint64_t kWarmupOps = 2'000;

// CPU time of this thread, not wall time, as in the scheduler bench: a run that is
// descheduled is not charged for other processes' work.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// The IV of operation `op`: a counter in the last 8 bytes, the same sequence for every variant.
void set_counter_iv(GcmIv& iv, uint64_t op) {
  for (int i = 0; i < 8; ++i)
    iv[11 - i] = static_cast<uint8_t>(op >> (8 * i));
}

// Runs `op(i)` for about `seconds` of thread CPU time after a warm-up; returns ops/s.
template <typename Op>
double ops_per_second(double seconds, Op&& op) {
  for (uint64_t i = 0; i < kWarmupOps; ++i)
    op(i);
  uint64_t done = 0;
  const double start = thread_cpu_seconds();
  double elapsed = 0;
  do {
    for (uint64_t i = 0; i < kOpsPerCheck; ++i)
      op(kWarmupOps + done + i);
    done += kOpsPerCheck;
    elapsed = thread_cpu_seconds() - start;
  } while (elapsed < seconds);
  return static_cast<double>(done) / elapsed;
}

struct EvpCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};

// The baseline: bare EVP, keyed once; per operation the IV reset, update, final, tag.
class RawEvpEncryptor {
 public:
  explicit RawEvpEncryptor(const KeyMaterial& key) : ctx_(EVP_CIPHER_CTX_new()) {
    if (!ctx_ || EVP_EncryptInit_ex(ctx_.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(),
                                    nullptr) != 1) {
      throw std::runtime_error("crypto bench: EVP AES-256-GCM setup failed");
    }
  }

  GcmTag encrypt(const GcmIv& iv, const std::vector<uint8_t>& in, std::vector<uint8_t>& out) {
    int written = 0;
    GcmTag tag{};
    if (EVP_EncryptInit_ex(ctx_.get(), nullptr, nullptr, nullptr, iv.data()) != 1 ||
        EVP_EncryptUpdate(ctx_.get(), out.data(), &written, in.data(),
                          static_cast<int>(in.size())) != 1 ||
        EVP_EncryptFinal_ex(ctx_.get(), out.data() + written, &written) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx_.get(), EVP_CTRL_AEAD_GET_TAG, static_cast<int>(tag.size()),
                            tag.data()) != 1) {
      throw std::runtime_error("crypto bench: EVP AES-256-GCM encrypt failed");
    }
    return tag;
  }

 private:
  std::unique_ptr<EVP_CIPHER_CTX, EvpCtxFree> ctx_;
};

void check_options(std::size_t payload_bytes, double seconds_per_run, int repetitions) {
  if (payload_bytes == 0 || payload_bytes > kCryptoBenchPayloadMaxBytes) {
    throw std::invalid_argument("crypto bench: payload of " + std::to_string(payload_bytes) +
                                " bytes is outside 1.." +
                                std::to_string(kCryptoBenchPayloadMaxBytes));
  }
  if (!(seconds_per_run > 0 && seconds_per_run <= kCryptoBenchSecondsPerRunMax)) {
    throw std::invalid_argument("crypto bench: seconds per run must be in (0, " +
                                std::to_string(kCryptoBenchSecondsPerRunMax) + "]");
  }
  if (repetitions < 1 || repetitions > kCryptoBenchRepetitionsMax) {
    throw std::invalid_argument("crypto bench: repetitions must be in 1.." +
                                std::to_string(kCryptoBenchRepetitionsMax));
  }
}

}  // namespace

double raw_evp_ops_per_s(std::size_t payload_bytes, double seconds, uint64_t seed) {
  check_options(payload_bytes, seconds, 1);
  DeterministicDrbg key_source(seed, "bench/crypto/key");
  DeterministicDrbg payload_source(seed, "bench/crypto/payload");
  const KeyMaterial key = KeyMaterial::generate(key_source);
  RawEvpEncryptor raw(key);
  std::vector<uint8_t> plaintext(payload_bytes);
  payload_source.fill(plaintext);
  std::vector<uint8_t> ciphertext(payload_bytes);
  GcmIv iv{};
  return ops_per_second(seconds, [&](uint64_t op) {
    set_counter_iv(iv, op);
    (void)raw.encrypt(iv, plaintext, ciphertext);
  });
}

CryptoBenchResult run_crypto_bench(std::size_t payload_bytes, double seconds_per_run,
                                   int repetitions, uint64_t seed) {
  check_options(payload_bytes, seconds_per_run, repetitions);
  DeterministicDrbg key_source(seed, "bench/crypto/key");
  DeterministicDrbg payload_source(seed, "bench/crypto/payload");
  DeterministicDrbg iv_source(seed, "bench/crypto/iv");
  AesGcmKey key(KeyMaterial::generate(key_source));
  RawEvpEncryptor raw(key.material());
  std::vector<uint8_t> plaintext(payload_bytes);
  payload_source.fill(plaintext);
  std::vector<uint8_t> ciphertext(payload_bytes);
  std::vector<uint8_t> check(payload_bytes);
  const crypto::EncryptionContext context = {{"bench", "crypto"}};

  // The variants must compute the same thing: same IV and payload, same ciphertext and tag.
  GcmIv iv{};
  set_counter_iv(iv, 0);
  if (raw.encrypt(iv, plaintext, check) != key.encrypt_into(iv, {}, plaintext, ciphertext) ||
      check != ciphertext) {
    throw std::logic_error("crypto bench: AesGcmKey and raw EVP disagree");
  }

  CryptoBenchResult result;
  result.payload_bytes = payload_bytes;
  for (int rep = 0; rep < repetitions; ++rep) {
    const double raw_ops = ops_per_second(seconds_per_run, [&](uint64_t op) {
      set_counter_iv(iv, op);
      (void)raw.encrypt(iv, plaintext, ciphertext);
    });
    const double key_ops = ops_per_second(seconds_per_run, [&](uint64_t op) {
      set_counter_iv(iv, op);
      (void)key.encrypt_into(iv, {}, plaintext, ciphertext);
    });
    const double seal_ops = ops_per_second(seconds_per_run, [&](uint64_t) {
      if (!crypto::seal_blob(key, "bench-key", context, plaintext, iv_source).ok()) {
        throw std::logic_error("crypto bench: seal_blob failed");
      }
    });
    result.raw_evp_ops_per_s = std::max(result.raw_evp_ops_per_s, raw_ops);
    result.key_ops_per_s = std::max(result.key_ops_per_s, key_ops);
    result.seal_ops_per_s = std::max(result.seal_ops_per_s, seal_ops);
  }
  assert(result.raw_evp_ops_per_s > 0);
  result.raw_evp_mib_per_s =
      result.raw_evp_ops_per_s * static_cast<double>(payload_bytes) / (1024.0 * 1024.0);
  result.key_ratio = result.key_ops_per_s / result.raw_evp_ops_per_s;
  result.seal_ratio = result.seal_ops_per_s / result.raw_evp_ops_per_s;
  return result;
}

std::vector<CryptoBenchResult> run_crypto_bench(const CryptoBenchOptions& options) {
  if (options.payload_sizes.empty() || options.payload_sizes.size() > kCryptoBenchSizesMax) {
    throw std::invalid_argument("crypto bench: between 1 and " +
                                std::to_string(kCryptoBenchSizesMax) + " payload sizes");
  }
  for (std::size_t size : options.payload_sizes) {
    check_options(size, options.seconds_per_run, options.repetitions);
  }
  std::vector<CryptoBenchResult> results;
  results.reserve(options.payload_sizes.size());
  for (std::size_t size : options.payload_sizes) {
    results.push_back(
        run_crypto_bench(size, options.seconds_per_run, options.repetitions, options.seed));
  }
  return results;
}

}  // namespace hsmsim::bench
