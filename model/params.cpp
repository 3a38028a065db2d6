#include "model/params.h"

#include <charconv>

namespace hsmsim::model {

const Json* Params::raw(const char* name) const {
  if (!request_.is_object()) return nullptr;
  auto it = request_.find(name);
  return it == request_.end() || it->is_null() ? nullptr : &*it;
}

std::optional<std::string> Params::str(const char* name) {
  const Json* v = raw(name);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_number_integer()) return std::to_string(v->get<int64_t>());
  fail(std::string("1 validation error detected: Value at '") + name + "' must be a string");
  return std::nullopt;
}

std::string Params::required_str(const char* name) {
  std::optional<std::string> v = str(name);
  if (!v) {
    fail(std::string("1 validation error detected: Value at '") + name +
         "' failed to satisfy constraint: Member must not be null");
    return {};
  }
  return *v;
}

std::optional<int64_t> Params::integer(const char* name) {
  const Json* v = raw(name);
  if (!v) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_string()) {
    const std::string s = v->get<std::string>();
    int64_t out = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec == std::errc() && end == s.data() + s.size()) return out;
  }
  fail(std::string("1 validation error detected: Value at '") + name + "' must be an integer");
  return std::nullopt;
}

std::optional<bool> Params::boolean(const char* name) {
  const Json* v = raw(name);
  if (!v) return std::nullopt;
  if (v->is_boolean()) return v->get<bool>();
  if (v->is_string() && (*v == "true" || *v == "false")) return *v == "true";
  fail(std::string("1 validation error detected: Value at '") + name + "' must be a boolean");
  return std::nullopt;
}

std::vector<std::string> Params::str_list(const char* name) {
  const Json* v = raw(name);
  std::vector<std::string> out;
  if (!v) return out;
  if (!v->is_array()) {
    fail(std::string("1 validation error detected: Value at '") + name + "' must be a list");
    return out;
  }
  for (const Json& item : *v) {
    if (!item.is_string()) {
      fail(std::string("1 validation error detected: Value at '") + name +
           "' must be a list of strings");
      return {};
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

void Params::check_length(const char* name, const std::optional<std::string>& value,
                          std::size_t min, std::size_t max) {
  if (!value) return;
  if (value->size() < min || value->size() > max) {
    fail("1 validation error detected: Value at '" + std::string(name) +
         "' failed to satisfy constraint: Member must have length between " + std::to_string(min) +
         " and " + std::to_string(max));
  }
}

}  // namespace hsmsim::model
