// A scenario workload (SPEC §5 `workloads`): clients sending crypto requests to KMS.
//
// Arrivals are open (`poisson`, `constant`, `diurnal`: requests arrive whatever the answers)
// or closed (`closed`: each of N clients waits for its answer, thinks, and sends the next).
// Each request picks its operation from `mix` and its key uniformly from `keys`; Encrypt sends
// `plaintext_bytes` of fixed random bytes under `encryption_context`, Decrypt and ReEncrypt
// send a ciphertext made once per key when the workload starts. A throttled request is retried
// after `retry.backoff`, up to `retry.max_attempts` in all, as the AWS SDKs do; its latency
// runs from the first attempt to the final answer.
//
// Everything a request needs is prepared at start, so the steady state allocates nothing.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "model/dataplane/data_plane.h"
#include "model/scenario/scenario.h"

namespace hsmsim::model {

class World;

// Where finished requests are counted (the run's per-operation metrics).
class RequestRecorder {
 public:
  virtual ~RequestRecorder() = default;
  // `latency`: first attempt to final answer; `queue_wait`: of the final attempt.
  virtual void record(CryptoOp op, const CryptoAnswer& answer, sim::Duration latency) = 0;
};

class Workload final : public CryptoClient {
 public:
  // `key_id` turns a name of `spec.keys` into a key ID (world names, `as:` names) when the
  // workload starts.
  Workload(World& world, const scenario::WorkloadSpec& spec, uint64_t seed,
           RequestRecorder& recorder, std::function<std::string(const std::string&)> key_id);

  // Schedules the workload's start.
  void schedule();

  void on_answer(uint64_t tag, const CryptoAnswer& answer) override;

  const scenario::WorkloadSpec& spec() const { return spec_; }
  // Why the workload could not start ("" if it did): a key that does not exist, say.
  const std::string& problem() const { return problem_; }
  uint64_t submitted() const { return submitted_; }

 private:
  struct Target {
    uint32_t key;
    std::vector<uint8_t> aad;   // blob_aad(key ARN, context)
    std::vector<uint8_t> blob;  // a ciphertext of the key, for Decrypt and ReEncrypt
    std::array<PreparedRequest, kCryptoOpCount> prepared;  // by operation
  };
  struct Request {
    CryptoOp op;
    uint32_t target;
    uint32_t client;  // closed loop; UINT32_MAX for open arrivals
    int attempt;
    sim::Time first_submit;
  };

  static constexpr int kBatch = 64;

  void start();
  void arrivals();
  sim::Time arrival_after(sim::Time t);
  void issue(uint32_t client, sim::Time when);
  PreparedRequest prepare(CryptoOp op, std::size_t target) const;
  void submit(uint32_t slot, sim::Time when);
  bool active(sim::Time t) const;

  World& world_;
  const scenario::WorkloadSpec& spec_;
  RequestRecorder& recorder_;
  std::function<std::string(const std::string&)> key_id_;
  sim::RandomStream arrivals_rng_;
  sim::RandomStream choice_rng_;
  sim::RandomStream think_rng_;
  std::vector<Target> targets_;
  std::vector<std::pair<CryptoOp, double>> mix_;  // cumulative weights, summing to 1
  std::vector<uint8_t> plaintext_;
  std::vector<Request> requests_;
  std::vector<uint32_t> free_requests_;
  sim::Time stop_ = sim::Time::max();
  sim::Time next_arrival_;
  std::string problem_;
  uint64_t submitted_ = 0;
  uint32_t store_ = kNoIndex;  // GenerateRandom's store: the first key's
};

}  // namespace hsmsim::model
