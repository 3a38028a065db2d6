#include "model/timing.h"

#include <stdexcept>

namespace hsmsim::model {
namespace {

using sim::Distribution;
using sim::Duration;

constexpr std::array<std::string_view, static_cast<std::size_t>(TimingKey::kCount)> kNames{
    "CreateCluster",
    "CreateHsm",
    "DeleteHsm",
    "DeleteCluster",
    "InitializeCluster",
    "CopyBackupToRegion",
    "backup",
    "backup_interval",
    "ConnectCustomKeyStore",
    "DisconnectCustomKeyStore",
    "key_sync",
    "deletion_lag",
    "failure_detection",
    "api_rtt"};

}  // namespace

Timing::Timing() {
  auto set = [this](TimingKey k, Distribution d) {
    values_[static_cast<std::size_t>(k)] = std::move(d);
  };
  set(TimingKey::CreateCluster, Distribution::constant(Duration::minutes(3)));
  set(TimingKey::CreateHsm, Distribution::uniform(Duration::minutes(8), Duration::minutes(15)));
  set(TimingKey::DeleteHsm, Distribution::constant(Duration::minutes(2)));
  set(TimingKey::DeleteCluster, Distribution::constant(Duration::minutes(2)));
  set(TimingKey::InitializeCluster, Distribution::constant(Duration::minutes(5)));
  set(TimingKey::CopyBackupToRegion, Distribution::constant(Duration::minutes(10)));
  set(TimingKey::backup, Distribution::constant(Duration::minutes(5)));
  set(TimingKey::backup_interval, Distribution::constant(Duration::hours(24)));
  set(TimingKey::ConnectCustomKeyStore,
      Distribution::uniform(Duration::minutes(5), Duration::minutes(20)));
  set(TimingKey::DisconnectCustomKeyStore, Distribution::constant(Duration::seconds(30)));
  set(TimingKey::key_sync, Distribution::exponential(Duration::milliseconds(200)));
  set(TimingKey::deletion_lag, Distribution::uniform(Duration::zero(), Duration::hours(24)));
  set(TimingKey::failure_detection, Distribution::constant(Duration::minutes(2)));
  set(TimingKey::api_rtt, Distribution::constant(Duration::milliseconds(1)));
}

void Timing::override_with(const std::vector<std::pair<std::string, Distribution>>& overrides) {
  for (const auto& [key, dist] : overrides) {
    bool found = false;
    for (std::size_t i = 0; i < kNames.size(); ++i) {
      if (kNames[i] == key) {
        values_[i] = dist;
        found = true;
      }
    }
    if (!found) throw std::invalid_argument("unknown timing key '" + key + "'");
  }
}

std::string_view Timing::name(TimingKey key) {
  return kNames[static_cast<std::size_t>(key)];
}

const std::vector<std::string>& Timing::names() {
  static const std::vector<std::string> all(kNames.begin(), kNames.end());
  return all;
}

}  // namespace hsmsim::model
