#include "model/dataplane/vault.h"

#include <fmt/format.h>

namespace hsmsim::model {

crypto::AesGcmKey& KeyVault::find_or_create(uint64_t material) {
  auto it = keys_.find(material);
  if (it != keys_.end()) return it->second;
  // One stream per material: the bytes depend on the seed and the id only.
  std::unique_ptr<crypto::RandomSource> source =
      crypto::make_random_source(mode_, seed_, fmt::format("key-material/{:016x}", material));
  return keys_.emplace(material, crypto::AesGcmKey(crypto::KeyMaterial::generate(*source)))
      .first->second;
}

crypto::RandomSource& KeyVault::hsm_random(const std::string& hsm_id) {
  auto it = hsm_random_.find(hsm_id);
  if (it != hsm_random_.end()) return *it->second;
  return *hsm_random_
              .emplace(hsm_id, crypto::make_random_source(mode_, seed_, "hsm-random/" + hsm_id))
              .first->second;
}

crypto::RandomSource& KeyVault::kms_random() {
  if (!kms_random_) kms_random_ = crypto::make_random_source(mode_, seed_, "kms-random");
  return *kms_random_;
}

}  // namespace hsmsim::model
