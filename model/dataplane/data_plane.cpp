#include "model/dataplane/data_plane.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <stdexcept>

#include "crypto/base64.h"
#include "crypto/hex.h"
#include "crypto/seal.h"
#include "model/kms/policy.h"
#include "model/params.h"

namespace hsmsim::model {
namespace {

constexpr std::string_view kValidation = "ValidationException";
constexpr std::string_view kNotFound = "NotFoundException";
constexpr std::string_view kAccessDenied = "AccessDeniedException";
constexpr std::string_view kDisabled = "DisabledException";
constexpr std::string_view kInvalidState = "KMSInvalidStateException";
constexpr std::string_view kInvalidCiphertext = "InvalidCiphertextException";
constexpr std::string_view kIncorrectKey = "IncorrectKeyException";
constexpr std::string_view kThrottling = "ThrottlingException";
constexpr std::string_view kInternal = "KMSInternalException";
constexpr std::string_view kStoreNotFound = "CustomKeyStoreNotFoundException";
constexpr std::string_view kStoreInvalidState = "CustomKeyStoreInvalidStateException";
constexpr std::string_view kDependencyTimeout = "DependencyTimeoutException";

constexpr std::array<const char*, kCryptoOpCount> kOpNames = {
    "Encrypt",       "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext",
    "GenerateRandom"};

// The policy action each operation needs on its key (ReEncrypt: From on the source key, To on
// the destination key).
const std::string& policy_action(CryptoOp op, bool source) {
  static const std::array<std::string, kCryptoOpCount> actions = {
      "kms:Encrypt",
      "kms:Decrypt",
      "kms:ReEncryptTo",
      "kms:GenerateDataKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:GenerateRandom"};
  static const std::string from = "kms:ReEncryptFrom";
  return op == CryptoOp::ReEncrypt && source ? from : actions[static_cast<std::size_t>(op)];
}

}  // namespace

const char* to_string(CryptoOp op) {
  return kOpNames[static_cast<std::size_t>(op)];
}

std::optional<CryptoOp> crypto_op_named(std::string_view action) {
  for (std::size_t i = 0; i < kOpNames.size(); ++i) {
    if (action == kOpNames[i]) return static_cast<CryptoOp>(i);
  }
  return std::nullopt;
}

// One request in flight. Jobs live in a pool and are reused, so their buffers keep their
// capacity: a workload's steady state allocates nothing per request. The members an Encrypt
// request touches come first and fill three cache lines (the record is aligned to them); the
// outputs after them are touched only by a refusal or an operation that returns plaintext
// (with a batch of requests in flight, each job's lines are cold when it comes round again).
struct alignas(64) DataPlane::Job {
  CryptoOp op = CryptoOp::Encrypt;
  uint8_t stage = 0;  // ReEncrypt: 0 = open on the source key, 1 = seal under the destination
  bool ok = false;
  bool owns = false;  // principal and owned_* are in use (a call step's request)
  uint32_t key = kNoIndex;
  uint32_t source_key = kNoIndex;
  uint32_t store = kNoIndex;
  uint32_t hsm = kNoIndex;
  uint32_t number_of_bytes = 0;
  uint32_t routed_key = kNoIndex;  // route() found routed_material for this key on `hsm`
  CryptoClient* client = nullptr;
  uint64_t tag = 0;
  uint64_t material = 0;
  uint64_t routed_material = 0;
  uint64_t routed_epoch = kNeverStamp;  // the engine's state epoch when routed: valid while equal
  sim::Time submitted, arrived, started;
  sim::Duration queue_wait;
  sim::Duration api;      // client <-> KMS round trip (api_rtt)
  sim::Duration net;      // KMS <-> cluster round trip (network.rtt)
  sim::Duration one_way;  // client -> KMS -> cluster, or back: (api + net) / 2

  // Inputs: views into the owned buffers below, or into a workload's storage.
  std::span<const uint8_t> plaintext, aad, blob, source_aad;

  // Outputs. (A sealed blob goes to the data plane's sealed_ buffer: it is answered in the
  // same event that seals it.) `exception` and `message` are set by refuse() and read only
  // when the job is not ok; `message` is empty while the job is ok.
  std::string_view exception;
  crypto::SecretBytes out_plain;  // never used by Encrypt
  std::string message;

  // Decrypt and ReEncrypt only: the parsed blob (reset when such a job is released).
  crypto::BlobView view;
  // Call steps only (`owns`).
  std::string principal;  // empty: the account root
  std::vector<uint8_t> owned_plaintext, owned_aad, owned_blob, owned_source_aad;
};

// What one HSM is doing: requests in service (up to `concurrency`) and those waiting.
struct DataPlane::Lane {
  uint32_t busy = 0;
  std::deque<uint32_t> queue;
  crypto::RandomSource* random = nullptr;
  const Cluster* cluster = nullptr;  // the HSM's (an HSM never changes cluster)
  sim::RandomStream service_rng;
  Lane(sim::RandomStream rng, crypto::RandomSource* source, const Cluster* c)
      : random(source), cluster(c), service_rng(rng) {}
};

// Per cluster: the round-robin position and, with shared_queue routing, the one queue.
struct DataPlane::ClusterQueue {
  uint64_t next = 0;  // requests routed round robin so far
  // next % modulus, kept so that a request costs no division while the number of eligible
  // HSMs stays the same (a 64-bit division was a sixth of route()'s time in the e2e bench).
  uint64_t remainder = 0;
  std::size_t modulus = 0;
  std::deque<uint32_t> queue;

  // The index among `eligible` HSMs of the next request's: next % eligible, next advanced.
  std::size_t round_robin(std::size_t eligible) {
    if (eligible != modulus) {
      modulus = eligible;
      remainder = next % eligible;
    }
    const std::size_t chosen = remainder;
    ++next;
    if (++remainder == modulus) remainder = 0;
    return chosen;
  }
};

template <typename... Parts>
void DataPlane::refuse(Job& j, std::string_view exception, const Parts&... parts) {
  j.ok = false;
  j.exception = exception;
  j.message.clear();
  (j.message.append(std::string_view(parts)), ...);
}

DataPlane::DataPlane(sim::Engine& engine, sim::Trace& trace, const Timing& timing,
                     CloudHsm& cloudhsm, Kms& kms, KeyVault& vault, DataPlaneConfig config,
                     uint64_t seed, BugSet bugs)
    : engine_(engine),
      arrivals_lane_(engine.add_lane()),
      trace_(trace),
      timing_(timing),
      cloudhsm_(cloudhsm),
      kms_(kms),
      vault_(vault),
      config_(std::move(config)),
      seed_(seed),
      bugs_(bugs),
      rng_(seed, "dataplane/network"),
      routing_rng_(seed, "dataplane/routing"),
      account_limit_(config_.account_rps) {
  service_time_.fill(&config_.hsm.service_time);
  for (const auto& [name, dist] : config_.hsm.service_time_by_operation) {
    if (const std::optional<CryptoOp> op = crypto_op_named(name)) {
      service_time_[static_cast<std::size_t>(*op)] = &dist;
    }
  }
}

DataPlane::~DataPlane() = default;

// --- jobs ----------------------------------------------------------------------------------

uint32_t DataPlane::new_job() {
  ++in_flight_;
  if (!free_jobs_.empty()) {
    const uint32_t id = free_jobs_.back();
    free_jobs_.pop_back();
    return id;
  }
  // Only a new job record can take the run past its bound: checked on this slow path alone.
  if (jobs_.size() >= in_flight_limit_) {
    --in_flight_;
    throw sim::CapacityExceeded("more than " + std::to_string(in_flight_limit_) +
                                " requests in flight at once");
  }
  jobs_.push_back(std::make_unique<Job>());
  return static_cast<uint32_t>(jobs_.size() - 1);
}

// Inlined into answer(): see do_work.
[[gnu::always_inline]] inline void DataPlane::release(uint32_t id) {
  Job& j = *jobs_[id];
  if (j.owns) {
    j.principal.clear();
    j.owned_plaintext.clear();  // capacity is kept for the next request
    j.owned_aad.clear();
    j.owned_blob.clear();
    j.owned_source_aad.clear();
    j.owns = false;
  }
  if (j.op == CryptoOp::Decrypt || j.op == CryptoOp::ReEncrypt) j.view = {};
  // One assignment each: chained, GCC stores one span and loads it back 16 bytes wide for the
  // next, which the CPU cannot forward from the two 8-byte stores (a stall per request).
  j.plaintext = {};
  j.aad = {};
  j.blob = {};
  j.source_aad = {};
  if (j.op != CryptoOp::Encrypt && !j.out_plain.empty()) j.out_plain = crypto::SecretBytes();
  assert(j.ok || j.exception.size() > 0);
  assert(!j.ok || j.message.empty());
  if (!j.ok) j.message.clear();
  --in_flight_;
  free_jobs_.push_back(id);
}

// --- submission ----------------------------------------------------------------------------

void DataPlane::start_job(Job& j, CryptoOp op, CryptoClient& client, uint64_t tag) {
  j.op = op;
  j.stage = 0;
  j.client = &client;
  j.tag = tag;
  j.key = j.source_key = j.store = j.hsm = kNoIndex;
  j.material = 0;
  j.routed_epoch = kNeverStamp;
  j.ok = false;
  assert(j.view.key_id.empty());  // reset by release()
  j.submitted = j.arrived = j.started = engine_.now();
  j.queue_wait = sim::Duration::zero();
  // Network: half of each round trip on the way out, half on the way back.
  j.api = timing_.sample(TimingKey::api_rtt, rng_);
  j.net = config_.network.rtt.sample(rng_);
  j.one_way = sim::Duration::nanoseconds((j.api.ns() + j.net.ns()) / 2);
}

void DataPlane::submit_at(sim::Time when, const PreparedRequest& r, CryptoClient& client,
                          uint64_t tag) {
  const uint32_t id = new_job();
  Job& j = *jobs_[id];
  start_job(j, r.op, client, tag);
  j.submitted = j.arrived = j.started = when;
  j.key = r.key;
  j.source_key = r.source_key;
  j.store = r.store;
  j.number_of_bytes = r.number_of_bytes;
  j.plaintext = r.plaintext;
  j.aad = r.aad;
  j.blob = r.blob;
  j.source_aad = r.op == CryptoOp::Decrypt && r.source_aad.empty() ? r.aad : r.source_aad;
  begin(id);
}

void DataPlane::submit(CryptoOp op, const Json& params, const std::string& principal,
                       CryptoClient& client, uint64_t tag) {
  const uint32_t id = new_job();
  Job& j = *jobs_[id];
  start_job(j, op, client, tag);
  j.owns = true;
  j.exception = {};  // the parameter checks below set it
  j.principal = principal == account_root_arn() ? "" : principal;

  Params in(params);
  // Blobs arrive base64-encoded, as on the wire.
  auto blob_param = [&](const char* name, std::vector<uint8_t>& out, bool required) {
    const std::optional<std::string> text = required ? in.required_str(name) : in.str(name);
    if (!text) return false;
    crypto::Result<std::vector<uint8_t>> bytes = crypto::base64_decode(*text);
    if (!bytes) {
      in.fail(std::string(name) + " is not valid base64");
      return false;
    }
    out = std::move(*bytes);
    return true;
  };
  auto context_param = [&](const char* name, crypto::EncryptionContext& out) {
    const Json* raw = in.raw(name);
    if (!raw || raw->is_null()) return;
    if (!raw->is_object()) {
      in.fail(std::string(name) + " must be a map of strings");
      return;
    }
    for (const auto& [k, v] : raw->items()) {
      if (!v.is_string()) {
        in.fail(std::string(name) + "." + k + " must be a string");
        return;
      }
      out[k] = v.get<std::string>();
    }
  };
  auto resolve_key = [&](const char* name, bool required) -> std::optional<uint32_t> {
    const std::optional<std::string> ref = required ? in.required_str(name) : in.str(name);
    if (!ref) return std::nullopt;
    in.check_length(name, ref, 1, 2048);
    if (!in.ok()) return std::nullopt;
    const std::optional<uint32_t> index = kms_.key_index(*ref);
    if (!index) {
      j.message = "Key '" + *ref + "' does not exist";
      j.exception = kNotFound;
      return kNoIndex;
    }
    return index;
  };
  auto number_param = [&](int64_t max) -> std::optional<uint32_t> {
    const std::optional<int64_t> n = in.integer("NumberOfBytes");
    if (!n) return std::nullopt;
    if (*n < 1 || *n > max) {
      in.fail("NumberOfBytes must be between 1 and " + std::to_string(max));
      return std::nullopt;
    }
    return static_cast<uint32_t>(*n);
  };

  crypto::EncryptionContext context, source_context;
  switch (op) {
    case CryptoOp::Encrypt: {
      const std::optional<uint32_t> key = resolve_key("KeyId", true);
      if (blob_param("Plaintext", j.owned_plaintext, true) &&
          (j.owned_plaintext.empty() ||
           j.owned_plaintext.size() > crypto::kBlobCiphertextMaxBytes)) {
        in.fail("Plaintext must be 1 to 4096 bytes, not " +
                std::to_string(j.owned_plaintext.size()));
      }
      context_param("EncryptionContext", context);
      if (key) j.key = *key;
      break;
    }
    case CryptoOp::GenerateDataKey:
    case CryptoOp::GenerateDataKeyWithoutPlaintext: {
      const std::optional<uint32_t> key = resolve_key("KeyId", true);
      const std::optional<std::string> spec = in.str("KeySpec");
      const std::optional<uint32_t> n = number_param(1024);
      if (spec && n) {
        in.fail("Specify either KeySpec or NumberOfBytes, not both");
      } else if (spec) {
        if (*spec == "AES_256") {
          j.number_of_bytes = 32;
        } else if (*spec == "AES_128") {
          j.number_of_bytes = 16;
        } else {
          in.fail("KeySpec must be AES_128 or AES_256, not " + *spec);
        }
      } else if (n) {
        j.number_of_bytes = *n;
      } else if (in.ok()) {
        in.fail("Specify either KeySpec or NumberOfBytes");
      }
      context_param("EncryptionContext", context);
      if (key) j.key = *key;
      break;
    }
    case CryptoOp::Decrypt: {
      blob_param("CiphertextBlob", j.owned_blob, true);
      context_param("EncryptionContext", context);
      const std::optional<uint32_t> key = resolve_key("KeyId", false);
      if (key) j.key = *key;  // checked against the blob's key below
      break;
    }
    case CryptoOp::ReEncrypt: {
      blob_param("CiphertextBlob", j.owned_blob, true);
      context_param("SourceEncryptionContext", source_context);
      context_param("DestinationEncryptionContext", context);
      const std::optional<uint32_t> source = resolve_key("SourceKeyId", false);
      if (source) j.source_key = *source;
      const std::optional<uint32_t> destination = resolve_key("DestinationKeyId", true);
      if (destination) j.key = *destination;
      break;
    }
    case CryptoOp::GenerateRandom: {
      const std::optional<uint32_t> n = number_param(1024);
      if (!n && in.ok()) in.fail("NumberOfBytes is required");
      if (n) j.number_of_bytes = *n;
      if (const std::optional<std::string> store = in.str("CustomKeyStoreId")) {
        j.store = kNoIndex;
        const auto& stores = kms_.stores();
        for (uint32_t i = 0; i < stores.size(); ++i) {
          if (stores[i]->id == *store && !stores[i]->deleted) j.store = i;
        }
        if (j.store == kNoIndex && in.ok()) {
          j.exception = kStoreNotFound;
          j.message = "Custom key store " + *store + " does not exist";
        }
      }
      break;
    }
  }
  // CiphertextType: 1..6144 bytes in the API model.
  if ((op == CryptoOp::Decrypt || op == CryptoOp::ReEncrypt) && in.ok() &&
      (j.owned_blob.empty() || j.owned_blob.size() > 6144)) {
    in.fail("CiphertextBlob must be 1 to 6144 bytes, not " + std::to_string(j.owned_blob.size()));
  }
  if (!in.ok()) {
    const ApiResult e = in.error();
    return refuse(j, kValidation, e.message), answer(id, j.api);
  }
  if (!j.exception.empty()) {
    const std::string message = std::move(j.message);
    return refuse(j, j.exception, message), answer(id, j.api);
  }

  // The blob names its key; Decrypt's and ReEncrypt's KeyId / SourceKeyId must agree with it.
  if (op == CryptoOp::Decrypt || op == CryptoOp::ReEncrypt) {
    j.blob = j.owned_blob;
    crypto::Result<crypto::BlobView> view = crypto::parse_blob_view(j.blob);
    if (!view) {
      return refuse(j, kInvalidCiphertext, "The ciphertext is not a valid ciphertext blob"),
             answer(id, j.api);
    }
    j.view = *view;
    const std::optional<uint32_t> owner = kms_.key_index(std::string(view->key_id));
    if (!owner) {
      return refuse(j, kNotFound, "The key that encrypted this ciphertext does not exist"),
             answer(id, j.api);
    }
    uint32_t& named = op == CryptoOp::Decrypt ? j.key : j.source_key;
    if (named != kNoIndex && named != *owner) {
      return refuse(j, kIncorrectKey,
                    "The key ID in the request does not identify the key that encrypted the "
                    "ciphertext"),
             answer(id, j.api);
    }
    named = *owner;
    crypto::Result<std::vector<uint8_t>> aad =
        aad_of(view->key_id, op == CryptoOp::Decrypt ? context : source_context);
    if (!aad) {
      return refuse(j, kValidation, "The encryption context is too large"), answer(id, j.api);
    }
    j.owned_source_aad = std::move(*aad);
    j.source_aad = j.owned_source_aad;
  }
  if (op == CryptoOp::Encrypt || op == CryptoOp::GenerateDataKey ||
      op == CryptoOp::GenerateDataKeyWithoutPlaintext || op == CryptoOp::ReEncrypt) {
    crypto::Result<std::vector<uint8_t>> aad = aad_of(kms_.keys()[j.key]->arn, context);
    if (!aad) {
      return refuse(j, kValidation, "The encryption context is too large"), answer(id, j.api);
    }
    j.owned_aad = std::move(*aad);
    j.aad = j.owned_aad;
  }
  j.plaintext = j.owned_plaintext;
  begin(id);
}

crypto::Result<std::vector<uint8_t>> DataPlane::aad_of(
    std::string_view key_id, const crypto::EncryptionContext& context) const {
  if (!bugs_.has(Bug::context_without_lengths)) return crypto::blob_aad(key_id, context);
  // Seeded bug: entries concatenated without their length prefixes (after the header and an
  // entry count of 0), so {"ab": "c"} and {"a": "bc"} give the same AAD.
  crypto::Result<std::vector<uint8_t>> aad = crypto::blob_aad(key_id, {});
  if (!aad) return aad;
  for (const auto& [k, v] : context) {
    aad->insert(aad->end(), k.begin(), k.end());
    aad->insert(aad->end(), v.begin(), v.end());
  }
  return aad;
}

// --- the front end -------------------------------------------------------------------------

// The request travels to KMS and on to the cluster. KMS's checks are made as it forwards the
// request, so they and the routing happen in one event at the cluster's end of the trip.
void DataPlane::begin(uint32_t id) {
  const Job& j = *jobs_[id];
  engine_.schedule_in_lane(arrivals_lane_, j.submitted + j.one_way, [this, id] { arrive(id); });
}

inline DataPlane::KeyRoute& DataPlane::key_route(uint32_t key) {
  if (routes_.size() <= key) [[unlikely]] {
    grow_routes();
  }
  return routes_[key];
}

bool DataPlane::front_end(Job& j) {
  if (j.op == CryptoOp::GenerateRandom) {
    if (j.store != kNoIndex) {
      const CustomKeyStore& s = *kms_.stores()[j.store];
      if (s.state != ConnectionState::CONNECTED) [[unlikely]] {
        refuse(j, kStoreInvalidState, "Custom key store ", s.id, " is not connected (",
               to_string(s.state), ")");
        return false;
      }
    }
  } else {
    const std::array<uint32_t, 2> keys = {j.op == CryptoOp::ReEncrypt ? j.source_key : j.key,
                                          j.op == CryptoOp::ReEncrypt ? j.key : kNoIndex};
    const uint64_t epoch = engine_.state_epoch();
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == kNoIndex) continue;
      // The account root on a key with the default policy: checks that passed at this epoch
      // pass again (the action does not matter, and nothing they read has changed).
      if (j.principal.empty() && key_route(keys[i]).checked == epoch) continue;
      const KmsKey& k = *kms_.keys()[keys[i]];
      if (k.deleted) [[unlikely]] {
        refuse(j, kNotFound, "Key '", k.arn, "' does not exist");
        return false;
      }
      // The default key policy lets the account root do everything: no policy to evaluate.
      const bool root_by_default = j.principal.empty() && k.default_policy;
      if (!root_by_default) {
        const std::string& principal = j.principal.empty() ? account_root_arn() : j.principal;
        const std::string& action = policy_action(j.op, j.op == CryptoOp::ReEncrypt && i == 0);
        if (!kms_.authorized(k, principal, action)) [[unlikely]] {
          refuse(j, kAccessDenied, "User: ", principal, " is not authorized to perform: ", action,
                 " on resource: ", k.arn);
          return false;
        }
      }
      if (const KeyState state = kms_.key_state(k); state != KeyState::Enabled) [[unlikely]] {
        switch (state) {
          case KeyState::Enabled:
            break;
          case KeyState::Disabled:
            refuse(j, kDisabled, k.arn, " is disabled.");
            return false;
          case KeyState::PendingDeletion:
            refuse(j, kInvalidState, k.arn, " is pending deletion.");
            return false;
          case KeyState::Unavailable:
            refuse(j, kInvalidState, k.arn, " is unavailable.");
            return false;
        }
      }
      if (root_by_default) key_route(keys[i]).checked = epoch;
    }
  }
  if (kms_.internal_error_now()) [[unlikely]] {
    refuse_internal_error(j);
    return false;
  }
  // The store the request counts against (ReEncrypt: the source key's).
  uint32_t store = j.store;
  if (j.op != CryptoOp::GenerateRandom) {
    const KmsKey& k = *kms_.keys()[j.op == CryptoOp::ReEncrypt ? j.source_key : j.key];
    store = k.store ? *k.store : kNoIndex;
  }
  if (store != kNoIndex) {
    const CustomKeyStore& s = *kms_.stores()[store];
    if (!kms_.cluster_reachable(s.cluster_id)) [[unlikely]] {
      refuse(j, j.op == CryptoOp::GenerateRandom ? kDependencyTimeout : kInvalidState,
             "KMS cannot communicate with your CloudHSM cluster ", s.cluster_id,
             " (network partition).");
      return false;
    }
  }
  return admit(j, store);
}

// The quotas: the request counts against its store (if any) and the account only if both
// admit it. False: refused (throttled).
inline bool DataPlane::admit(Job& j, uint32_t store) {
  if (store != kNoIndex) {
    if (store_limits_.size() <= store) {
      store_limits_.resize(kms_.stores().size(), RateLimiter(config_.key_store_rps));
    }
    if (!store_limits_[store].admit(engine_.now())) [[unlikely]] {
      refuse(j, kThrottling,
             "You have exceeded the rate at which you may call KMS (custom key "
             "store request quota).");
      return false;
    }
  }
  if (!account_limit_.admit(engine_.now())) [[unlikely]] {
    if (store != kNoIndex) store_limits_[store].refund();
    refuse(j, kThrottling,
           "You have exceeded the rate at which you may call KMS (account request quota).");
    return false;
  }
  return true;
}

// --- the cluster -----------------------------------------------------------------------------

inline DataPlane::Lane& DataPlane::lane(uint32_t hsm) {
  if (hsm < lanes_.size() && lanes_[hsm]) [[likely]] {
    return *lanes_[hsm];
  }
  return new_lane(hsm);
}

DataPlane::Lane& DataPlane::new_lane(uint32_t hsm) {
  if (lanes_.size() <= hsm) {
    lanes_.resize(cloudhsm_.hsms().size());
    usage_.resize(cloudhsm_.hsms().size());
  }
  if (!lanes_[hsm]) {
    const Hsm& h = *cloudhsm_.hsms()[hsm];
    lanes_[hsm] =
        std::make_unique<Lane>(sim::RandomStream(seed_, "hsm-service/" + h.id),
                               &vault_.hsm_random(h.id), cloudhsm_.clusters()[h.cluster].get());
  }
  return *lanes_[hsm];
}

// The live cluster of a store (null when its cluster is deleted or unknown), as
// CloudHsm::find_cluster gives it. The record found last for each store is kept (cluster
// records are never freed) and still names the store's cluster while its ID matches, so a
// request pays one comparison of IDs instead of a lookup by name (~15 ns in the e2e bench).
const Cluster* DataPlane::cluster_of(uint32_t store, const CustomKeyStore& s) {
  if (store_clusters_.size() <= store) store_clusters_.resize(kms_.stores().size());
  const Cluster*& known = store_clusters_[store];
  if (known == nullptr || known->id != s.cluster_id) known = cloudhsm_.cluster_record(s.cluster_id);
  return known != nullptr && known->state != ClusterState::DELETED ? known : nullptr;
}

void DataPlane::refuse_internal_error(Job& j) {
  refuse(j, kInternal, "KMS could not complete the request (injected internal error)");
}

// A refusal by the front end comes back from KMS: api_rtt after the request was sent.
void DataPlane::answer_from_front_end(uint32_t id) {
  const Job& j = *jobs_[id];
  const sim::Time back = std::max(engine_.now(), j.submitted + j.api);
  answer(id, back - engine_.now());
}

// The usual request of a workload: one key, in a store, sent by the account root, and the
// key's checks and route still as they were found (see KeyRoute). It is checked, counted
// and placed as front_end and route would, with the same draws and quota counts in the same
// order, but from the cached route: no lookups of key, store, cluster or queue. False: not
// that case, and nothing was done.
inline bool DataPlane::arrive_cached(uint32_t id, Job& j) {
  if (j.op == CryptoOp::ReEncrypt || j.op == CryptoOp::GenerateRandom) return false;
  const KeyRoute* route = cached_route(j.key);
  if (route == nullptr || route->checked != engine_.state_epoch() ||
      (j.owns && !j.principal.empty())) {
    return false;
  }
  const KeyRoute& r = *route;
  // A partition is checked every time (it ends by the clock, not by an event). The check has
  // no side effect, so when it fails the request simply takes the general path.
  if (!kms_.cluster_reachable(r.cluster->id)) [[unlikely]] {
    return false;
  }
  if (kms_.internal_error_now()) [[unlikely]] {
    refuse_internal_error(j);
    answer_from_front_end(id);
    return true;
  }
  if (!admit(j, r.store_index)) [[unlikely]] {
    answer_from_front_end(id);
    return true;
  }
  if (!place(id, j, j.key, r, *r.queue)) [[unlikely]] {
    answer(id, j.one_way);
  }
  return true;
}

void DataPlane::arrive(uint32_t id) {
  engine_.skip_observer();  // requests change nothing that waits and monitors watch
  Job& j = *jobs_[id];
  j.arrived = engine_.now();
  if (j.stage == 0) {
    if (arrive_cached(id, j)) return;
    if (!front_end(j)) [[unlikely]] {
      return answer_from_front_end(id);
    }
    // A key outside any custom key store is served by KMS's own HSMs: no cluster to model.
    const uint32_t first = j.op == CryptoOp::ReEncrypt ? j.source_key : j.key;
    const bool in_store = j.op == CryptoOp::GenerateRandom ? j.store != kNoIndex
                                                           : kms_.keys()[first]->store.has_value();
    if (!in_store) {
      do_work(j);
      if (j.ok && j.op == CryptoOp::ReEncrypt) {
        j.stage = 1;
        if (kms_.keys()[j.key]->store) {
          engine_.schedule_after(j.net, [this, id] { arrive(id); });
          return;
        }
        do_work(j);
      }
      return answer(id, j.one_way);
    }
  }
  uint32_t key = j.op == CryptoOp::ReEncrypt && j.stage == 0 ? j.source_key : j.key;
  if (j.op == CryptoOp::GenerateRandom) key = kNoIndex;
  if (key != kNoIndex && !kms_.keys()[key]->store) {
    // ReEncrypt to a key outside any store: sealed in KMS on the way back.
    j.hsm = kNoIndex;
    do_work(j);
    return answer(id, j.one_way);
  }
  if (!route(id, key)) [[unlikely]] {
    answer(id, j.one_way);
  }
}

// Grows routes_ to one entry per key (keys are only ever added): the rare half of key_route.
void DataPlane::grow_routes() {
  routes_.resize(kms_.keys().size());
}

const DataPlane::KeyRoute* DataPlane::cached_route(uint32_t key) const {
  if (key >= routes_.size()) return nullptr;
  const KeyRoute& r = routes_[key];
  return r.routed == engine_.state_epoch() ? &r : nullptr;
}

// The active, serving HSMs of `c` that hold the key (any of them for GenerateRandom, key ==
// kNoIndex), in the cluster's order, with the key's material on each; and the key's store
// index and the cluster's queue, which arrive_cached reads from the entry.
const DataPlane::KeyRoute* DataPlane::find_route(Job& j, uint32_t key, uint32_t store,
                                                 const Cluster& c, std::string_view unreachable) {
  KeyRoute& r = key == kNoIndex ? any_hsm_ : key_route(key);
  r.routed = kNeverStamp;
  r.cluster = &c;
  r.store_index = store;
  r.queue = &cluster_queue(c);
  r.hsms.clear();
  r.materials.clear();
  const uint64_t handle = key == kNoIndex ? 0 : kms_.keys()[key]->backing_handle;
  std::size_t serving = 0;
  for (uint32_t h : c.hsms) {
    const Hsm& hsm = *cloudhsm_.hsms()[h];
    if (!hsm.is_active_and_serving()) continue;
    ++serving;
    if (key == kNoIndex) {
      r.hsms.push_back(h);
    } else if (const HsmKey* held = hsm.data.find_key(handle)) {
      r.hsms.push_back(h);
      r.materials.push_back(held->material);
    }
  }
  if (serving == 0) [[unlikely]] {
    refuse(j, unreachable, "The CloudHSM cluster ", c.id, " has no active HSM.");
    return nullptr;
  }
  if (r.hsms.empty()) [[unlikely]] {
    refuse(j, kInvalidState, "The key material of ", kms_.keys()[key]->arn,
           " is not on any active HSM of cluster ", c.id, ".");
    return nullptr;
  }
  if (key != kNoIndex) r.routed = engine_.state_epoch();
  return &r;
}

// Chooses an HSM for the job among the active, serving HSMs that hold the key (any of them
// for GenerateRandom) and starts or queues it there. False (the job refused) when there is
// none.
bool DataPlane::route(uint32_t id, uint32_t key) {
  Job& j = *jobs_[id];
  const uint32_t store = key == kNoIndex ? j.store : *kms_.keys()[key]->store;
  const CustomKeyStore& s = *kms_.stores()[store];
  // GenerateRandom's error list has no KMSInvalidStateException: a store that is connected
  // but cannot reach an HSM answers as a timeout of the dependency (the docs are silent).
  const std::string_view unreachable = key == kNoIndex ? kDependencyTimeout : kInvalidState;
  // The HSMs that may serve the job come from the key's cache entry while it is valid. A
  // partition is checked every time: it ends by the clock, not by an event.
  const KeyRoute* r = key == kNoIndex ? nullptr : cached_route(key);
  const Cluster* c = r ? r->cluster : cluster_of(store, s);
  if (!c || !kms_.cluster_reachable(s.cluster_id)) [[unlikely]] {
    refuse(j, unreachable, "KMS cannot communicate with your CloudHSM cluster ", s.cluster_id, ".");
    return false;
  }
  if (!r) r = find_route(j, key, store, *c, unreachable);
  if (!r) [[unlikely]] {
    return false;
  }
  return place(id, j, key, *r, *r->queue);
}

DataPlane::ClusterQueue& DataPlane::cluster_queue(const Cluster& c) {
  const auto cluster_index = static_cast<uint32_t>(cloudhsm_.hsms()[c.hsms.front()]->cluster);
  if (cluster_queues_.size() <= cluster_index) cluster_queues_.resize(cluster_index + 1);
  if (!cluster_queues_[cluster_index]) {
    cluster_queues_[cluster_index] = std::make_unique<ClusterQueue>();
  }
  return *cluster_queues_[cluster_index];
}

// Starts or queues the job on one of the route's HSMs (or the cluster's shared queue), by the
// routing policy. False (the job refused) when the chosen queue is full.
bool DataPlane::place(uint32_t id, Job& j, uint32_t key, const KeyRoute& route, ClusterQueue& cq) {
  const std::vector<uint32_t>& candidates = route.hsms;
  const std::size_t eligible = candidates.size();
  const uint32_t concurrency = config_.hsm.concurrency;
  std::size_t chosen = SIZE_MAX;  // index into candidates
  switch (config_.hsm.routing) {
    case scenario::Routing::RoundRobin:
      chosen = cq.round_robin(eligible);
      break;
    case scenario::Routing::Random:
      chosen = routing_rng_.next_below(eligible);
      break;
    case scenario::Routing::LeastOutstanding: {
      std::size_t best = SIZE_MAX;
      for (std::size_t i = 0; i < eligible; ++i) {
        const Lane& l = lane(candidates[i]);
        const std::size_t outstanding = l.busy + l.queue.size();
        if (outstanding < best) {
          best = outstanding;
          chosen = i;
        }
      }
      break;
    }
    case scenario::Routing::SharedQueue: {
      for (std::size_t i = 0; i < eligible; ++i) {
        if (lane(candidates[i]).busy < concurrency) {
          chosen = i;
          break;
        }
      }
      if (chosen == SIZE_MAX) {
        if (config_.hsm.queue_limit && cq.queue.size() >= *config_.hsm.queue_limit) [[unlikely]] {
          refuse(j, kThrottling, "The CloudHSM cluster is busy (HSM queue full).");
          return false;
        }
        // Whichever HSM frees first takes it: no material known in advance.
        j.routed_epoch = kNeverStamp;
        cq.queue.push_back(id);
        return true;
      }
      break;
    }
  }
  assert(chosen < eligible);
  // The job is served on this HSM (now, or from its queue): the material found there is the
  // one do_work will use, while the epoch holds.
  const uint32_t hsm = candidates[chosen];
  j.routed_key = key;
  j.routed_epoch = key != kNoIndex ? engine_.state_epoch() : kNeverStamp;
  j.routed_material = key != kNoIndex ? route.materials[chosen] : 0;
  Lane& l = lane(hsm);
  if (l.busy < concurrency) {
    start_service(id, hsm);
    return true;
  }
  if (config_.hsm.queue_limit && l.queue.size() >= *config_.hsm.queue_limit) [[unlikely]] {
    refuse(j, kThrottling, "The HSM is busy (its queue is full).");
    return false;
  }
  j.hsm = hsm;
  l.queue.push_back(id);
  return true;
}

void DataPlane::start_service(uint32_t id, uint32_t hsm) {
  Job& j = *jobs_[id];
  Lane& l = lane(hsm);
  ++l.busy;
  j.hsm = hsm;
  j.started = engine_.now();
  j.queue_wait = j.queue_wait + (j.started - j.arrived);
  const Cluster& c = *l.cluster;
  double ns = service_time_[static_cast<std::size_t>(j.op)]->sample_ns(l.service_rng);
  if (c.slowdown_factor != 1.0 && engine_.now() < c.slowdown_until) ns *= c.slowdown_factor;
  const auto service = sim::Duration::nanoseconds(sim::saturating_ns(ns));
  engine_.schedule_after(service, [this, hsm, id] { end_service(hsm, id); });
}

void DataPlane::end_service(uint32_t hsm, uint32_t id) {
  engine_.skip_observer();
  Job& j = *jobs_[id];
  Lane& l = lane(hsm);
  --l.busy;
  HsmUsage& u = usage_[hsm];
  ++u.ops;
  u.busy = u.busy + (engine_.now() - j.started);
  const Hsm& h = *cloudhsm_.hsms()[hsm];
  if (!h.is_active_and_serving()) [[unlikely]] {
    refuse(j, kInvalidState, "The HSM ", h.id, " stopped serving during the request.");
    answer(id, j.one_way);
    fail_lane(hsm, "The HSM " + h.id + " stopped serving.");
    return;
  }
  do_work(j);
  if (j.ok && j.op == CryptoOp::ReEncrypt && j.stage == 0) {
    // Opened on the source key's cluster; now sealed under the destination key, which may
    // live in another cluster: back to KMS and out again.
    j.stage = 1;
    engine_.schedule_after(j.net, [this, id] { arrive(id); });
  } else {
    answer(id, j.one_way);
  }
  serve_next(hsm);
}

// Inlined into end_service(): see do_work.
[[gnu::always_inline]] inline void DataPlane::serve_next(uint32_t hsm) {
  Lane& l = lane(hsm);
  if (!l.queue.empty()) {
    const uint32_t next = l.queue.front();
    l.queue.pop_front();
    start_service(next, hsm);
    return;
  }
  if (config_.hsm.routing != scenario::Routing::SharedQueue) return;
  const auto cluster_index = cloudhsm_.hsms()[hsm]->cluster;
  if (cluster_queues_.size() <= cluster_index || !cluster_queues_[cluster_index]) return;
  std::deque<uint32_t>& q = cluster_queues_[cluster_index]->queue;
  const Hsm& h = *cloudhsm_.hsms()[hsm];
  for (auto it = q.begin(); it != q.end(); ++it) {
    const Job& j = *jobs_[*it];
    const uint32_t key = j.op == CryptoOp::GenerateRandom
                             ? kNoIndex
                             : (j.op == CryptoOp::ReEncrypt && j.stage == 0 ? j.source_key : j.key);
    if (key == kNoIndex || h.data.find_key(kms_.keys()[key]->backing_handle)) {
      const uint32_t next = *it;
      q.erase(it);
      start_service(next, hsm);
      return;
    }
  }
}

// An HSM that stopped serving fails what waits on it (its own queue; a shared queue waits for
// the cluster's other HSMs).
void DataPlane::fail_lane(uint32_t hsm, std::string_view why) {
  Lane& l = lane(hsm);
  while (!l.queue.empty()) {
    const uint32_t id = l.queue.front();
    l.queue.pop_front();
    Job& j = *jobs_[id];
    j.queue_wait = j.queue_wait + (engine_.now() - j.arrived);
    refuse(j, kInvalidState, std::string(why));
    answer(id, j.one_way);
  }
}

// The AES work, on HSM j.hsm (or in KMS itself for a key outside any store).
//
// do_work, release and serve_next are inlined into their callers on purpose: end_service then
// runs a served request's whole tail in one function. Measured with the e2e bench scenario
// (min of 10 interleaved runs): 679 -> 660 ns per request. The figure is as much code layout
// as calls saved (inlining do_work alone cost 14 ns, adding answer too cost 11), so re-measure
// after changing this path.
[[gnu::always_inline]] inline void DataPlane::do_work(Job& j) {
  const bool on_hsm = j.hsm != kNoIndex;
  crypto::RandomSource& random = on_hsm ? *lane(j.hsm).random : vault_.kms_random();
  auto material_of = [&](uint32_t key) -> std::optional<uint64_t> {
    const KmsKey& k = *kms_.keys()[key];
    if (!on_hsm) return k.material;
    if (key == j.routed_key && j.routed_epoch == engine_.state_epoch()) return j.routed_material;
    const HsmKey* held = cloudhsm_.hsms()[j.hsm]->data.find_key(k.backing_handle);
    if (!held) return std::nullopt;
    return held->material;
  };
  auto missing = [&](uint32_t key) {
    refuse(j, kInvalidState, "The key material of ", kms_.keys()[key]->arn, " is not on HSM ",
           cloudhsm_.hsms()[j.hsm]->id, ".");
  };
  auto seal = [&](std::span<const uint8_t> plaintext) {
    const std::optional<uint64_t> material = material_of(j.key);
    if (!material) [[unlikely]] {
      return missing(j.key);
    }
    j.material = *material;
    crypto::seal_serialized_into(vault_.key(*material), kms_.keys()[j.key]->arn, j.aad, plaintext,
                                 random, sealed_);
    if (bugs_.has(Bug::key_bytes_in_trace)) [[unlikely]] {
      // Seeded bug: the backing key's bytes leave the HSM in a trace record.
      // (An AWS_KMS key is sealed by KMS itself, on no HSM.)
      const std::string actor = on_hsm ? "hsm/" + cloudhsm_.hsms()[j.hsm]->id : "kms";
      trace_.emit(engine_.now(), actor, "key_used",
                  Json{{"KeyId", kms_.keys()[j.key]->arn},
                       {"key_hex", crypto::hex_encode(vault_.key(*material).material().bytes())}});
    }
    j.ok = true;
  };
  switch (j.op) {
    case CryptoOp::Encrypt:
      return seal(j.plaintext);
    case CryptoOp::GenerateDataKey:
    case CryptoOp::GenerateDataKeyWithoutPlaintext:
      j.out_plain = crypto::SecretBytes::generate(random, j.number_of_bytes);
      return seal(j.out_plain.bytes());
    case CryptoOp::GenerateRandom:
      j.out_plain = crypto::SecretBytes::generate(random, j.number_of_bytes);
      j.ok = true;
      return;
    case CryptoOp::Decrypt:
    case CryptoOp::ReEncrypt: {
      if (j.op == CryptoOp::ReEncrypt && j.stage == 1) return seal(j.out_plain.bytes());
      if (j.view.key_id.empty()) {
        // A prepared request: its blob was made by seal_outside for this key.
        crypto::Result<crypto::BlobView> view = crypto::parse_blob_view(j.blob);
        if (!view) return refuse(j, kInvalidCiphertext, "The ciphertext is not a valid blob");
        j.view = *view;
      }
      const uint32_t owner = j.op == CryptoOp::Decrypt ? j.key : j.source_key;
      const std::optional<uint64_t> material = material_of(owner);
      if (!material) return missing(owner);
      j.material = *material;
      if (!crypto::open_view_into(vault_.key(*material), j.view, j.source_aad, j.out_plain)) {
        return refuse(j, kInvalidCiphertext,
                      "The ciphertext could not be decrypted: the encryption context or the "
                      "ciphertext does not match.");
      }
      j.ok = true;
      return;
    }
  }
}

void DataPlane::answer(uint32_t id, sim::Duration return_path) {
  Job& j = *jobs_[id];
  // What the answer carries besides its figures, by operation.
  std::span<const uint8_t> blob, plaintext, sealed_plaintext, aad;
  if (j.ok) {
    switch (j.op) {
      case CryptoOp::Encrypt:
        blob = sealed_;
        sealed_plaintext = j.plaintext;
        aad = j.aad;
        break;
      case CryptoOp::GenerateDataKey:
        plaintext = j.out_plain.bytes();
        [[fallthrough]];
      case CryptoOp::GenerateDataKeyWithoutPlaintext:
      case CryptoOp::ReEncrypt:
        blob = sealed_;
        sealed_plaintext = j.out_plain.bytes();
        aad = j.aad;
        break;
      case CryptoOp::Decrypt:
      case CryptoOp::GenerateRandom:
        plaintext = j.out_plain.bytes();
        break;
    }
  }
  // Every member named, in order: the answer is written once, not zeroed first.
  const CryptoAnswer a{
      .op = j.op,
      .ok = j.ok,
      .exception = j.ok ? std::string_view() : j.exception,
      .message = j.ok ? std::string_view() : std::string_view(j.message),
      .submitted = j.submitted,
      // A refusal at the front end comes back after api_rtt; a cluster's answer after the
      // way back from the cluster.
      .answered = engine_.now() + return_path,
      .queue_wait = j.queue_wait,
      .key = j.key,
      .source_key = j.op == CryptoOp::ReEncrypt ? j.source_key : kNoIndex,
      .hsm = j.hsm,
      .store = j.store,
      .blob = blob,
      .plaintext = plaintext,
      .sealed_plaintext = sealed_plaintext,
      .aad = aad,
      .material = j.material,
  };
  j.client->on_answer(j.tag, a);
  for (CryptoObserver* o : observers_)
    o->on_crypto(a);
  release(id);
}

Json DataPlane::response_json(const CryptoAnswer& a) const {
  Json r = Json::object();
  if (!a.ok) return r;
  auto arn = [&](uint32_t key) { return kms_.keys()[key]->arn; };
  switch (a.op) {
    case CryptoOp::Encrypt:
      r["CiphertextBlob"] = crypto::base64_encode(a.blob);
      r["KeyId"] = arn(a.key);
      r["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT";
      break;
    case CryptoOp::Decrypt:
      r["KeyId"] = arn(a.key);
      r["Plaintext"] = crypto::base64_encode(a.plaintext);
      r["EncryptionAlgorithm"] = "SYMMETRIC_DEFAULT";
      break;
    case CryptoOp::ReEncrypt:
      r["CiphertextBlob"] = crypto::base64_encode(a.blob);
      r["SourceKeyId"] = arn(a.source_key);
      r["KeyId"] = arn(a.key);
      r["SourceEncryptionAlgorithm"] = "SYMMETRIC_DEFAULT";
      r["DestinationEncryptionAlgorithm"] = "SYMMETRIC_DEFAULT";
      break;
    case CryptoOp::GenerateDataKey:
      r["CiphertextBlob"] = crypto::base64_encode(a.blob);
      r["Plaintext"] = crypto::base64_encode(a.plaintext);
      r["KeyId"] = arn(a.key);
      break;
    case CryptoOp::GenerateDataKeyWithoutPlaintext:
      r["CiphertextBlob"] = crypto::base64_encode(a.blob);
      r["KeyId"] = arn(a.key);
      break;
    case CryptoOp::GenerateRandom:
      r["Plaintext"] = crypto::base64_encode(a.plaintext);
      break;
  }
  return r;
}

std::vector<uint8_t> DataPlane::seal_outside(uint32_t key, std::span<const uint8_t> aad,
                                             std::span<const uint8_t> plaintext) {
  const KmsKey& k = *kms_.keys()[key];
  std::vector<uint8_t> out;
  crypto::seal_serialized_into(vault_.key(k.material), k.arn, aad, plaintext, vault_.kms_random(),
                               out);
  return out;
}

std::size_t DataPlane::hsm_queue_depth(uint32_t hsm) const {
  return hsm < lanes_.size() && lanes_[hsm] ? lanes_[hsm]->queue.size() : 0;
}

std::size_t DataPlane::shared_queue_depth(uint32_t cluster) const {
  return cluster < cluster_queues_.size() && cluster_queues_[cluster]
             ? cluster_queues_[cluster]->queue.size()
             : 0;
}

}  // namespace hsmsim::model
