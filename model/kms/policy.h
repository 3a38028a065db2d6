// Key policies: the AWS JSON policy grammar, evaluated by principal and action. Conditions
// are not evaluated; a statement with a Condition is reported as such and treated as if the
// condition held.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/common.h"

namespace hsmsim::model {

struct PolicyStatement {
  bool allow = true;
  std::vector<std::string> principals;  // ARNs or "*"
  std::vector<std::string> actions;     // "kms:Encrypt", "kms:*", "kms:Get*", "*"
  bool has_condition = false;
};

struct KeyPolicy {
  std::vector<PolicyStatement> statements;
};

// Parses a policy document; nullopt (with `why`) when it is malformed.
std::optional<KeyPolicy> parse_key_policy(const std::string& text, std::string& why);
// The default key policy: the account root may do everything.
std::string default_key_policy();
const std::string& account_root_arn();
// Explicit Deny wins; otherwise an Allow is needed.
bool policy_allows(const KeyPolicy& policy, const std::string& principal,
                   const std::string& action);
// Case-sensitive match with '*' and '?' wildcards (actions also case-insensitively).
bool wildcard_match(const std::string& pattern, const std::string& text);

}  // namespace hsmsim::model
