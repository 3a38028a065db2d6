// The KMS crypto data plane of custom key stores (SPEC §4.3, facts §3.5): Encrypt, Decrypt,
// ReEncrypt, GenerateDataKey(WithoutPlaintext) and GenerateRandom, done with real AES-256-GCM
// on a simulated HSM of the key store's cluster.
//
// The path of one request, in virtual time:
//
//   client ──api_rtt/2── KMS front end ──rtt/2── cluster: HSM queue → service ──rtt/2── KMS
//          ──api_rtt/2── client
//
// KMS checks the request as it forwards it (one event at the cluster's end of the trip), in
// order: parameters (ValidationException), the key (NotFound,
// AccessDenied, the key state: DisabledException, KMSInvalidStateException), injected internal
// errors, the store and the cluster (KMSInvalidStateException: not connected, partitioned, no
// active HSM, no active HSM holding the key), and the quotas (ThrottlingException: 1,800/s per
// store, the account's regional rate). A refused request is answered after api_rtt. An
// accepted one goes to an HSM that holds the key, chosen by the routing policy
// (round_robin | random | least_outstanding | shared_queue), waits for one of the HSM's
// `concurrency` slots, and is served for a sampled service time (times the cluster's slowdown
// factor). At the end of service the HSM does the AES work; if it stopped serving meanwhile
// (failure, AZ outage) the request fails with KMSInvalidStateException, and so do those queued
// behind it. A ReEncrypt is served twice: decrypted on the source key's cluster, then encrypted
// on the destination key's.
//
// Answers reach the client through CryptoClient::on_answer, called when the answer is decided
// (end of service, or the front end's refusal) and carrying the time the client receives it:
// clients that act at that time (a scenario step) schedule themselves, clients that only count
// (a workload) save the event.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/ciphertext_blob.h"
#include "crypto/encryption_context.h"
#include "crypto/secret.h"
#include "model/bugs/bugs.h"
#include "model/cloudhsm/cloudhsm.h"
#include "model/common.h"
#include "model/dataplane/rate_limiter.h"
#include "model/dataplane/vault.h"
#include "model/kms/kms.h"
#include "model/scenario/scenario.h"
#include "model/timing.h"

namespace hsmsim::model {

enum class CryptoOp : uint8_t {
  Encrypt,
  Decrypt,
  ReEncrypt,
  GenerateDataKey,
  GenerateDataKeyWithoutPlaintext,
  GenerateRandom,
};
inline constexpr std::size_t kCryptoOpCount = 6;
const char* to_string(CryptoOp op);
std::optional<CryptoOp> crypto_op_named(std::string_view action);

inline constexpr uint32_t kNoIndex = UINT32_MAX;

// What a crypto request came to. The spans point into the data plane's buffers and are valid
// only during on_answer; `plaintext` is secret (a data key, a decrypted message, random
// bytes) and must not be printed.
struct CryptoAnswer {
  CryptoOp op = CryptoOp::Encrypt;
  bool ok = false;
  std::string_view exception;  // static text; empty when ok
  std::string_view message;    // valid during on_answer, like the spans below
  sim::Time submitted;
  sim::Time answered;                  // when the client receives the answer (>= now)
  sim::Duration queue_wait;            // arrival at the cluster to start of service (0 if refused)
  uint32_t key = kNoIndex;             // KMS key index (ReEncrypt: the destination key)
  uint32_t source_key = kNoIndex;      // ReEncrypt: the source key; Decrypt: the blob's key
  uint32_t hsm = kNoIndex;             // CloudHsm HSM index that did the (last) work
  uint32_t store = kNoIndex;           // GenerateRandom: the key store
  std::span<const uint8_t> blob;       // Encrypt, ReEncrypt, GenerateDataKey*
  std::span<const uint8_t> plaintext;  // Decrypt, GenerateDataKey, GenerateRandom
  // Encrypt / GenerateDataKey*: what was sealed and under which AAD (for crypto_roundtrip).
  std::span<const uint8_t> sealed_plaintext;
  std::span<const uint8_t> aad;
  uint64_t material = 0;  // the backing-key material that sealed or opened the blob
};

class CryptoClient {
 public:
  virtual ~CryptoClient() = default;
  virtual void on_answer(uint64_t tag, const CryptoAnswer& answer) = 0;
};

// Sees every answer (the crypto invariant monitors), after the client.
class CryptoObserver {
 public:
  virtual ~CryptoObserver() = default;
  virtual void on_crypto(const CryptoAnswer& answer) = 0;
};

// A request a workload prepared once and submits many times: key, plaintext and AAD are
// resolved up front, and point into the workload's own storage, which must outlive every
// request submitted with them.
struct PreparedRequest {
  CryptoOp op = CryptoOp::Encrypt;
  uint32_t key = kNoIndex;              // ReEncrypt: the destination key
  uint32_t source_key = kNoIndex;       // ReEncrypt: the key of `blob`
  std::span<const uint8_t> plaintext;   // Encrypt
  std::span<const uint8_t> aad;         // blob_aad(key ARN, context)
  std::span<const uint8_t> source_aad;  // Decrypt, ReEncrypt: blob_aad(blob's key ARN, context)
  std::span<const uint8_t> blob;        // Decrypt, ReEncrypt: a serialized blob (seal_outside)
  uint32_t number_of_bytes = 32;        // GenerateDataKey*, GenerateRandom
  uint32_t store = kNoIndex;            // GenerateRandom
};

struct DataPlaneConfig {
  scenario::HsmPerformance hsm;
  scenario::Network network;
  std::optional<double> key_store_rps = 1800;  // nullopt: unlimited
  std::optional<double> account_rps = 50000;
};

// Per-HSM figures for the summary.
struct HsmUsage {
  uint64_t ops = 0;
  sim::Duration busy;  // summed service time of its slots
};

class DataPlane {
 public:
  DataPlane(sim::Engine& engine, sim::Trace& trace, const Timing& timing, CloudHsm& cloudhsm,
            Kms& kms, KeyVault& vault, DataPlaneConfig config, uint64_t seed, BugSet bugs = {});
  ~DataPlane();
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;

  // A call step: AWS parameters as JSON, answered through `client` with `tag`.
  void submit(CryptoOp op, const Json& params, const std::string& principal, CryptoClient& client,
              uint64_t tag);
  // A workload request, as the account root, sent by the client at `when` (>= now).
  void submit_at(sim::Time when, const PreparedRequest& request, CryptoClient& client,
                 uint64_t tag);

  // The AWS response document of an answer (blobs and plaintexts in base64, as on the wire).
  Json response_json(const CryptoAnswer& answer) const;

  void add_observer(CryptoObserver* observer) { observers_.push_back(observer); }

  // A blob of `key` sealing `plaintext` under `aad`, made outside any request (a workload's
  // stock of ciphertexts to decrypt). Empty if the key's material is unknown.
  std::vector<uint8_t> seal_outside(uint32_t key, std::span<const uint8_t> aad,
                                    std::span<const uint8_t> plaintext);

  const std::vector<HsmUsage>& hsm_usage() const { return usage_; }
  std::size_t in_flight() const { return in_flight_; }
  // More requests than this in flight at once throws sim::CapacityExceeded.
  void set_in_flight_limit(std::size_t limit) { in_flight_limit_ = limit; }
  uint32_t concurrency() const { return config_.hsm.concurrency; }
  // Requests waiting for a slot: on one HSM, and in a cluster's shared queue.
  std::size_t hsm_queue_depth(uint32_t hsm) const;
  std::size_t shared_queue_depth(uint32_t cluster) const;
  KeyVault& vault() { return vault_; }

 private:
  struct Job;
  struct Lane;
  struct ClusterQueue;
  static constexpr uint64_t kNeverStamp = UINT64_MAX;  // an epoch stamp that matches none
  // What the front end and routing learnt of a key, valid while the engine's state epoch reads
  // what it read then (no event that may change the world has run since): that the key passed
  // the front end's key checks (the account root, a default policy), and which HSMs of its
  // cluster may serve it, with the material each holds, its store and its cluster's queue. A
  // workload's requests then skip the per-HSM std::map lookups, twice each (eligibility, then
  // the material at the end of service), and, both stamps current, the lookups of key, store,
  // cluster and queue too (arrive_cached). Refusals are never cached: they are worked out, and
  // their messages written, as before.
  struct KeyRoute {
    uint64_t checked = kNeverStamp;    // epoch at which the key passed front_end's key checks
    uint64_t routed = kNeverStamp;     // epoch at which the fields below were found
    const Cluster* cluster = nullptr;  // the key's store's (its ID is the store's cluster_id)
    uint32_t store_index = kNoIndex;   // the key's store
    ClusterQueue* queue = nullptr;     // the cluster's
    std::vector<uint32_t> hsms;        // active, serving HSMs of the cluster holding the key
    std::vector<uint64_t> materials;   // the key's material on each of them
  };

  uint32_t new_job();
  void start_job(Job& j, CryptoOp op, CryptoClient& client, uint64_t tag);
  void release(uint32_t job);
  void begin(uint32_t job);
  bool front_end(Job& j);
  bool key_usable(Job& j, uint32_t key, std::string_view action);
  bool route(uint32_t job, uint32_t key);
  bool arrive_cached(uint32_t job, Job& j);
  ClusterQueue& cluster_queue(const Cluster& c);
  bool place(uint32_t job, Job& j, uint32_t key, const KeyRoute& r, ClusterQueue& cq);
  bool admit(Job& j, uint32_t store);
  [[gnu::cold, gnu::noinline]] void refuse_internal_error(Job& j);
  void answer_from_front_end(uint32_t job);
  void arrive(uint32_t job);
  void start_service(uint32_t job, uint32_t hsm);
  void end_service(uint32_t hsm, uint32_t job);
  void serve_next(uint32_t hsm);
  void fail_lane(uint32_t hsm, std::string_view why);
  void do_work(Job& j);
  // Refuses the job with `exception` and the message made of `parts` (strings, views,
  // literals). Refusals are the rare path, so the message is built in here, out of line: a
  // branch that refuses costs its hot function a call, not the string code, and the code a
  // served request runs stays compact.
  template <typename... Parts>
  [[gnu::cold, gnu::noinline]] void refuse(Job& j, std::string_view exception,
                                           const Parts&... parts);
  // Hands the answer to the client, who receives it `return_path` from now.
  void answer(uint32_t job, sim::Duration return_path);
  Lane& lane(uint32_t hsm);
  Lane& new_lane(uint32_t hsm);
  const Cluster* cluster_of(uint32_t store, const CustomKeyStore& s);
  KeyRoute& key_route(uint32_t key);  // the key's entry of routes_ (made on first use)
  [[gnu::noinline]] void grow_routes();
  // The cached route of `key` if it is still valid (see KeyRoute), else null.
  const KeyRoute* cached_route(uint32_t key) const;
  // Finds, and for a key caches, the HSMs of `c` that may serve the job; null (the job
  // refused) when there is none.
  const KeyRoute* find_route(Job& j, uint32_t key, uint32_t store, const Cluster& c,
                             std::string_view unreachable);
  // The AAD of a blob of `key_id` under `context` (crypto::blob_aad; the seeded bug
  // context_without_lengths drops the length prefixes).
  crypto::Result<std::vector<uint8_t>> aad_of(std::string_view key_id,
                                              const crypto::EncryptionContext& context) const;

  sim::Engine& engine_;
  // Requests reach their cluster in the order they were sent when the network delay is fixed
  // (the usual case): their arrivals take the engine's FIFO lane instead of its queue.
  sim::LaneId arrivals_lane_;
  sim::Trace& trace_;
  const Timing& timing_;
  CloudHsm& cloudhsm_;
  Kms& kms_;
  KeyVault& vault_;
  DataPlaneConfig config_;
  uint64_t seed_;
  BugSet bugs_;  // seeded bugs of this run (testing aid; empty in normal runs)
  std::array<const sim::Distribution*, kCryptoOpCount> service_time_{};
  sim::RandomStream rng_;          // network and api delays
  sim::RandomStream routing_rng_;  // routing: random
  RateLimiter account_limit_;
  std::vector<RateLimiter> store_limits_;  // by key store index
  std::vector<std::unique_ptr<Job>> jobs_;
  std::vector<uint32_t> free_jobs_;
  std::vector<const Cluster*> store_clusters_;  // cluster_of's last answer, by key store index
  std::vector<KeyRoute> routes_;                // by key index
  KeyRoute any_hsm_;  // GenerateRandom's route (no key, never cached): route's scratch
  std::vector<std::unique_ptr<Lane>> lanes_;                   // by HSM index
  std::vector<std::unique_ptr<ClusterQueue>> cluster_queues_;  // by cluster index
  std::vector<HsmUsage> usage_;
  // The blob of the last seal. Every seal is answered in the event that made it (do_work is
  // followed by answer), so one buffer serves all requests and stays in cache.
  std::vector<uint8_t> sealed_;
  std::vector<CryptoObserver*> observers_;
  std::size_t in_flight_ = 0;
  std::size_t in_flight_limit_ = scenario::Limits::kRequestsInFlight;
};

}  // namespace hsmsim::model
