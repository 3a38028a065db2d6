// The timing profile of SPEC §4.4: how long each asynchronous transition takes. No AWS figure
// exists for most of these; they are labelled parameters, each overridable by its key in a
// scenario's `timing:`.
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/random.h"

namespace hsmsim::model {

enum class TimingKey {
  CreateCluster,
  CreateHsm,
  DeleteHsm,
  DeleteCluster,
  InitializeCluster,
  CopyBackupToRegion,
  backup,
  backup_interval,
  ConnectCustomKeyStore,
  DisconnectCustomKeyStore,
  key_sync,
  deletion_lag,
  failure_detection,
  api_rtt,
  kCount
};

class Timing {
 public:
  Timing();  // the defaults of SPEC §4.4

  // Applies a scenario's overrides; keys were validated by the loader. Throws
  // std::invalid_argument for an unknown key.
  void override_with(const std::vector<std::pair<std::string, sim::Distribution>>& overrides);

  const sim::Distribution& operator[](TimingKey key) const {
    return values_[static_cast<std::size_t>(key)];
  }
  sim::Duration sample(TimingKey key, sim::RandomStream& rng) const {
    return (*this)[key].sample(rng);
  }

  static std::string_view name(TimingKey key);
  static const std::vector<std::string>& names();

 private:
  std::array<sim::Distribution, static_cast<std::size_t>(TimingKey::kCount)> values_;
};

}  // namespace hsmsim::model
