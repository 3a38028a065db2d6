// `hsmsim bench e2e`: simulated KMS Encrypt requests through the whole stack, against raw
// OpenSSL AES-256-GCM measured in the same process.
//
// The stack is what `hsmsim run` executes: a scenario built in memory (one cluster of two
// HSMs, one connected key store, one key, no quotas, no invariant monitors) with an open
// Poisson workload of Encrypt requests of the payload size, run by the scenario runner:
// scheduler events for arrival, service and answer, the KMS front end, routing and HSM
// queues, real AES-256-GCM sealing into a ciphertext blob with a DRBG IV, and the latency
// histograms of the summary. The figure is completed requests per second of thread CPU time
// for the whole run_scenario call (world build and summary included); the baseline is
// `hsmsim bench crypto`'s raw EVP encryption (one context, IV reset per operation, no AAD).
// Each figure is the best of `repetitions` runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace hsmsim::bench {

struct E2eBenchOptions {
  std::vector<std::size_t> payload_sizes = {64, 1024, 4096};
  uint64_t requests = 400'000;  // per run (simulated)
  int repetitions = 3;
  uint64_t seed = 1;
};

struct E2eBenchResult {
  std::size_t payload_bytes = 0;
  double raw_evp_ops_per_s = 0;
  double e2e_requests_per_s = 0;
  double ratio = 0;       // e2e / raw EVP
  uint64_t requests = 0;  // completed in the best run
  uint64_t events = 0;    // engine events of the best run
};

inline constexpr uint64_t kE2eBenchRequestsMax = 100'000'000;

// The scenario one e2e run executes, as `hsmsim run` reads it: `payload_bytes` of plaintext
// per Encrypt, arrivals offered until `requests` are expected, then a second to finish.
std::string e2e_bench_scenario_yaml(std::size_t payload_bytes, uint64_t requests, uint64_t seed);

// Bad options (sizes outside 1..4096, no sizes, requests or repetitions out of range):
// std::invalid_argument.
std::vector<E2eBenchResult> run_e2e_bench(const E2eBenchOptions& options);

}  // namespace hsmsim::bench
