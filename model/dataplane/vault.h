// The secure memory of the simulated HSMs: the bytes behind every backing key, and each HSM's
// random source.
//
// A backing key on an HSM (HsmKey) names its material by a 64-bit id; every HSM and backup
// that holds the key holds the same bytes, so one AES key object per material serves them all
// (its two EVP contexts are keyed once and only the IV changes per operation). The bytes are
// derived when first needed from (seed, material id) by a DRBG, so a run replays byte for byte
// whatever order keys are first used in; with real entropy they come from the OS instead.
// Nothing here is ever traced or printed: KeyMaterial cannot be.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "crypto/aes_gcm.h"
#include "crypto/random_source.h"
#include "crypto/secret.h"

namespace hsmsim::model {

class KeyVault {
 public:
  KeyVault(uint64_t seed, crypto::EntropyMode mode) : seed_(seed), mode_(mode) {}

  // The AES-256-GCM key of `material`, created on first use. A workload uses one key again
  // and again, so the last one is kept at hand (map entries are never erased).
  crypto::AesGcmKey& key(uint64_t material) {
    if (last_key_ != nullptr && material == last_material_) return *last_key_;
    last_key_ = &find_or_create(material);
    last_material_ = material;
    return *last_key_;
  }
  // The random source of one HSM (IVs, data keys, GenerateRandom), by HSM ID.
  crypto::RandomSource& hsm_random(const std::string& hsm_id);
  // KMS's own generator (GenerateRandom without a key store).
  crypto::RandomSource& kms_random();

  crypto::EntropyMode mode() const { return mode_; }
  // Every material created so far, in id order: for the no_plaintext_key_export monitor and
  // the tests that scan outputs for key bytes.
  const std::map<uint64_t, crypto::AesGcmKey>& keys() const { return keys_; }

 private:
  crypto::AesGcmKey& find_or_create(uint64_t material);

  uint64_t seed_;
  crypto::EntropyMode mode_;
  std::map<uint64_t, crypto::AesGcmKey> keys_;
  std::map<std::string, std::unique_ptr<crypto::RandomSource>> hsm_random_;
  std::unique_ptr<crypto::RandomSource> kms_random_;
  crypto::AesGcmKey* last_key_ = nullptr;
  uint64_t last_material_ = 0;
};

}  // namespace hsmsim::model
