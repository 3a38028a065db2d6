// `hsmsim bench crypto`: AES-256-GCM encrypt throughput at KMS payload sizes.
//
// The baseline is raw OpenSSL EVP, the way the crypto layer is meant to use it: one context
// keyed once, only the IV reset per operation (EVP_EncryptInit_ex(ctx, nullptr, nullptr,
// nullptr, iv)), no AAD. Beside it, in the same process and on the same key, IVs and
// payloads: AesGcmKey::encrypt_into (the wrapper, same work) and seal_blob (what KMS Encrypt
// costs the model: AAD encoding of key ID and context, an IV from the DRBG, the blob).
// Each figure is the best of `repetitions` runs of ~`seconds_per_run` of thread CPU time;
// the variants take turns within each repetition, so drift hits them alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace hsmsim::bench {

struct CryptoBenchOptions {
  std::vector<std::size_t> payload_sizes = {64, 1024, 4096};
  double seconds_per_run = 0.33;  // x repetitions: about 1 s per variant and size
  int repetitions = 3;
  uint64_t seed = 1;
};

struct CryptoBenchResult {
  std::size_t payload_bytes = 0;
  double raw_evp_ops_per_s = 0;  // baseline
  double raw_evp_mib_per_s = 0;
  double key_ops_per_s = 0;   // AesGcmKey::encrypt_into
  double seal_ops_per_s = 0;  // seal_blob
  double key_ratio = 0;       // key / raw EVP
  double seal_ratio = 0;      // seal / raw EVP
};

// Limits: each bound is checked, and exceeding one is bad input (std::invalid_argument).
inline constexpr std::size_t kCryptoBenchPayloadMaxBytes = 4096;  // KMS Encrypt's bound
inline constexpr std::size_t kCryptoBenchSizesMax = 32;
inline constexpr int kCryptoBenchRepetitionsMax = 100;
inline constexpr double kCryptoBenchSecondsPerRunMax = 60;

// The baseline alone: raw EVP encryptions of `payload_bytes` per second of thread CPU time over
// about `seconds` (for other benchmarks to compare with, e.g. bench e2e).
double raw_evp_ops_per_s(std::size_t payload_bytes, double seconds, uint64_t seed);

CryptoBenchResult run_crypto_bench(std::size_t payload_bytes, double seconds_per_run,
                                   int repetitions, uint64_t seed);
std::vector<CryptoBenchResult> run_crypto_bench(const CryptoBenchOptions& options);

}  // namespace hsmsim::bench
