// Reading an action's parameters (AWS names) from its JSON request. The first problem found
// becomes the call's ValidationException, as AWS answers a malformed request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/common.h"

namespace hsmsim::model {

class Params {
 public:
  explicit Params(const Json& request) : request_(request) {}

  std::optional<std::string> str(const char* name);
  std::string required_str(const char* name);
  // Integers may arrive as JSON numbers or numeric strings.
  std::optional<int64_t> integer(const char* name);
  std::optional<bool> boolean(const char* name);
  std::vector<std::string> str_list(const char* name);
  const Json* raw(const char* name) const;
  // Length bounds of the AWS API model (in characters).
  void check_length(const char* name, const std::optional<std::string>& value, std::size_t min,
                    std::size_t max);

  bool ok() const { return error_.empty(); }
  ApiResult error() const { return ApiResult::failure("ValidationException", error_); }
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const Json& request_;
  std::string error_;
};

}  // namespace hsmsim::model
