// Findings: facts about the simulated world that users want reported (SPEC §6): orphaned
// key material, lost keys, keys held by a single HSM and no backup, lockouts. Found as an
// operator would: by the labels (KMS key ARNs) of the keys kmsuser owns.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/common.h"
#include "model/world.h"

namespace hsmsim::model {

struct Orphan {
  std::string key_arn;
  sim::Time since;                   // when its KMS key was deleted
  std::vector<std::string> hsms;     // HSMs (not DELETED) holding it
  std::vector<std::string> backups;  // backups (not DELETED) holding it
};

struct LostKey {
  std::string key_arn;
};

// A stretch of time during which a key existed on a single HSM and in no backup: one HSM
// failure then loses it.
struct DurabilityWindow {
  std::string key_arn;
  std::string hsm;
  sim::Time start;
  std::optional<sim::Time> end;  // open while the run ends
};

// Follows every key's copies over the run and records its durability windows. Cheap when
// nothing changed: it recounts only when the number of key copies or backups moves.
class DurabilityTracker {
 public:
  void observe(const World& world);
  std::vector<DurabilityWindow> windows() const;  // closed ones first, then open ones

 private:
  std::size_t signature_ = 0;
  std::map<std::string, DurabilityWindow> open_;  // by key ARN
  std::vector<DurabilityWindow> closed_;
};

struct Findings {
  std::vector<Orphan> orphans;
  std::vector<LostKey> lost_keys;
  std::vector<DurabilityWindow> durability_windows;
  std::vector<std::string> locked_users;  // "cluster-…/hsm-…/user"

  std::size_t orphans_in_clusters() const;
  std::size_t orphans_in_backups() const;
  Json to_json() const;
};

Findings find_findings(const World& world);

}  // namespace hsmsim::model
