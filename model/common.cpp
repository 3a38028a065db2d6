#include "model/common.h"

#include <fmt/format.h>

namespace hsmsim::model {
namespace {

// CloudHSM IDs use base32 letters and digits 2-7 (cluster-[2-7a-zA-Z]{11,16}).
std::string base32(sim::RandomStream& rng, std::size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(kAlphabet[rng.next_below(32)]);
  return out;
}

std::string hex(sim::RandomStream& rng, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(kDigits[rng.next_below(16)]);
  return out;
}

}  // namespace

IdFactory::IdFactory(uint64_t seed)
    : clusters_(seed, "ids/cluster"),
      hsms_(seed, "ids/hsm"),
      backups_(seed, "ids/backup"),
      stores_(seed, "ids/custom-key-store"),
      keys_(seed, "ids/key"),
      subnets_(seed, "ids/subnet"),
      ips_(seed, "ids/eni-ip"),
      secrets_(seed, "ids/secret") {}

std::string IdFactory::cluster_id() {
  return "cluster-" + base32(clusters_, 11);
}
std::string IdFactory::hsm_id() {
  return "hsm-" + base32(hsms_, 11);
}
std::string IdFactory::backup_id() {
  return "backup-" + base32(backups_, 11);
}
std::string IdFactory::key_store_id() {
  return "cks-" + hex(stores_, 17);
}
std::string IdFactory::subnet_id() {
  return "subnet-" + hex(subnets_, 17);
}

std::string IdFactory::key_id() {
  // A version-4 UUID, as KMS key IDs are.
  std::string h = hex(keys_, 32);
  h[12] = '4';
  h[16] = "89ab"[keys_.next_below(4)];
  return fmt::format("{}-{}-{}-{}-{}", h.substr(0, 8), h.substr(8, 4), h.substr(12, 4),
                     h.substr(16, 4), h.substr(20, 12));
}

std::string IdFactory::eni_ip() {
  return fmt::format("10.0.{}.{}", ips_.next_below(256), 4 + ips_.next_below(250));
}

std::string IdFactory::secret(std::size_t length) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  std::string out;
  out.reserve(length);
  for (std::size_t i = 0; i < length; ++i)
    out.push_back(kAlphabet[secrets_.next_below(62)]);
  return out;
}

}  // namespace hsmsim::model
