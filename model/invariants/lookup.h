// Lookups the monitors make for themselves, from the raw records of the world. They never go
// through the model's finders or rule helpers, so a bug there cannot hide a broken rule.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>

#include "model/common.h"
#include "model/world.h"

namespace hsmsim::model::invariants {

// A request's string parameter; nullopt when it is absent or not a string.
std::optional<std::string> string_param(const Json& request, const char* name);
// Whether the call is `service:name` (e.g. "kms", "CreateKey").
bool is_action(const ActionInfo& action, std::string_view service, std::string_view name);

// The live (not deleted) custom key store with this ID, by a scan of every store (≤ 100).
const CustomKeyStore* live_store(const World& world, std::string_view id);
// The cluster record with this ID in any state, DELETED included, by a scan (≤ 100).
const Cluster* cluster_record(const World& world, std::string_view id);

// The HSMs of a cluster that are ACTIVE and serve (not failed, their AZ not out), and the
// distinct Availability Zones they sit in.
struct ServingHsms {
  std::size_t count = 0;
  std::set<std::string> azs;
  std::string describe() const;  // "2 in [us-east-1a, us-east-1b]"
};
ServingHsms serving_hsms(const World& world, const Cluster& cluster);

// KMS keys by what a KeyId parameter may hold: key ID, key ARN, alias name or alias ARN.
// Deleted keys are found too. The ID index grows with the key list (O(1) amortised).
class KeyFinder {
 public:
  std::optional<uint32_t> find(const World& world, const std::string& ref);

 private:
  std::unordered_map<std::string, uint32_t> by_id_;
  std::size_t indexed_ = 0;
};

// KMS keys by ARN (the label of their backing keys), deleted ones included.
class KeyArnIndex {
 public:
  std::optional<uint32_t> find(const World& world, const std::string& arn);

 private:
  std::unordered_map<std::string, uint32_t> by_arn_;
  std::size_t indexed_ = 0;
};

// Visits at most `per_call` indices of [0, size) per call, round robin: a monitor sees every
// object within size / per_call events while paying O(per_call) per event. When size ≤
// per_call every index is visited on every call.
class Sweep {
 public:
  explicit Sweep(std::size_t per_call) : per_call_(per_call) {}

  template <class Visit>
  void run(std::size_t size, Visit&& visit) {
    const std::size_t n = size < per_call_ ? size : per_call_;
    for (std::size_t i = 0; i < n; ++i) {
      if (next_ >= size) next_ = 0;
      visit(next_++);
    }
  }

 private:
  std::size_t per_call_;
  std::size_t next_ = 0;
};

}  // namespace hsmsim::model::invariants
