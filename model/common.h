// Vocabulary shared by every part of the model: JSON responses, API results, the run
// context that actors use to reach the engine, the trace and their random streams.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "sim/engine.h"
#include "sim/random.h"
#include "sim/time.h"
#include "sim/trace.h"

namespace hsmsim::model {

using Json = nlohmann::ordered_json;

// Errors are values at the API boundary: an answer is either a response document with AWS
// field names, or an AWS exception name with a message.
struct ApiResult {
  bool ok = true;
  Json response = Json::object();
  std::string exception;
  std::string message;

  static ApiResult success(Json response = Json::object()) {
    ApiResult r;
    r.response = std::move(response);
    return r;
  }
  static ApiResult failure(std::string exception, std::string message) {
    ApiResult r;
    r.ok = false;
    r.exception = std::move(exception);
    r.message = std::move(message);
    return r;
  }
};

// The account every simulated resource belongs to.
inline constexpr const char* kAccountId = "111122223333";

// Deterministic identifiers in the AWS formats (cluster-…, hsm-…, backup-…, cks-…, key
// UUIDs), drawn from one stream per kind so that adding one kind never shifts another.
class IdFactory {
 public:
  explicit IdFactory(uint64_t seed);
  std::string cluster_id();
  std::string hsm_id();
  std::string backup_id();
  std::string key_store_id();
  std::string key_id();
  std::string subnet_id();
  std::string eni_ip();
  std::string secret(std::size_t length);  // alphanumeric, e.g. a rotated kmsuser password

 private:
  sim::RandomStream clusters_, hsms_, backups_, stores_, keys_, subnets_, ips_, secrets_;
};

}  // namespace hsmsim::model
