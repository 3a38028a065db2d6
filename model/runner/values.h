// Scenario values at run time: turning a step's `with` into an AWS request (world names and
// `as:` names standing for IDs, `$name.Path` reading earlier responses), and matching
// responses and state against `expect`, `check` and `wait` values.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "model/common.h"
#include "model/scenario/value.h"
#include "model/world.h"

namespace hsmsim::model {

// A step that cannot be carried out as written at run time (a `$name.Path` that the bound
// response does not have). The step fails; the run goes on.
class StepFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Binding {
  Json primary;   // what the name stands for
  Json response;  // what `$name.Path` reads
};

class Values {
 public:
  explicit Values(const World& world) : world_(world) {}

  void bind(const std::string& name, Binding b) { bindings_[name] = std::move(b); }
  const Binding* binding(const std::string& name) const;

  // The request document of a call.
  Json request(const scenario::Value& with) const;
  // A value as written: `$name.Path` resolved, a plain scalar typed (bool, integer, number,
  // string), a quoted one kept a string. With `reference`, a name stands for its object.
  Json resolve(const scenario::Value& v, bool reference) const;
  // The ID a subject name (world name, `as:` name or literal ID) stands for.
  std::string subject_id(const std::string& name) const;

  // Does `actual` satisfy `expected` (a value or a matcher)? `why` explains a mismatch.
  bool matches(const Json& actual, const scenario::Value& expected, std::string& why) const;
  // Every field of `expected` (a mapping, dotted paths allowed) against `document`.
  bool matches_fields(const Json& document, const scenario::Value& expected,
                      std::string& why) const;

  // Reads a dotted path with list indexes ("Clusters[0].Hsms[1].HsmId"); nullptr if absent.
  static const Json* at_path(const Json& document, const std::string& path);

 private:
  Json resolve_reference(const std::string& path) const;
  // Was `written` a literal string (not a `$` reference, not a bound name)?
  bool is_literal_text(const scenario::Value& written, const Json& resolved) const;
  // A blob field against text or {length: N}; nullopt when the general rules apply.
  std::optional<bool> matches_blob(const Json& actual, const scenario::Value& expected,
                                   std::string& why) const;
  // Every text a name may be matched by: IDs, ARNs, aliases.
  std::vector<std::string> aliases_of(const std::string& name) const;

  const World& world_;
  std::map<std::string, Binding> bindings_;
};

// Text form of a scalar JSON value for comparisons ("7", "true", "ACTIVE").
std::string scalar_text(const Json& v);

}  // namespace hsmsim::model
