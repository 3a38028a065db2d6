#include "model/kms/policy.h"

#include <algorithm>
#include <cctype>

namespace hsmsim::model {
namespace {

std::vector<std::string> string_or_list(const Json& v, bool& ok) {
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
  } else if (v.is_array()) {
    for (const Json& item : v) {
      if (!item.is_string())
        ok = false;
      else
        out.push_back(item.get<std::string>());
    }
  } else {
    ok = false;
  }
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

}  // namespace

const std::string& account_root_arn() {
  static const std::string arn = std::string("arn:aws:iam::") + kAccountId + ":root";
  return arn;
}

std::string default_key_policy() {
  Json policy{{"Version", "2012-10-17"},
              {"Id", "key-default-1"},
              {"Statement", Json::array({Json{{"Sid", "Enable IAM User Permissions"},
                                              {"Effect", "Allow"},
                                              {"Principal", {{"AWS", account_root_arn()}}},
                                              {"Action", "kms:*"},
                                              {"Resource", "*"}}})}};
  return policy.dump();
}

bool wildcard_match(const std::string& pattern, const std::string& text) {
  // Iterative glob match with backtracking on the last '*'.
  std::size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

std::optional<KeyPolicy> parse_key_policy(const std::string& text, std::string& why) {
  const Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    why = "The policy is not a JSON object.";
    return std::nullopt;
  }
  auto statements = doc.find("Statement");
  if (statements == doc.end()) {
    why = "The policy has no Statement.";
    return std::nullopt;
  }
  const Json list = statements->is_array() ? *statements : Json::array({*statements});
  KeyPolicy policy;
  for (const Json& s : list) {
    if (!s.is_object()) {
      why = "A Statement is not an object.";
      return std::nullopt;
    }
    PolicyStatement st;
    const std::string effect = s.value("Effect", "");
    if (effect != "Allow" && effect != "Deny") {
      why = "Effect must be Allow or Deny.";
      return std::nullopt;
    }
    st.allow = effect == "Allow";
    bool ok = true;
    auto principal = s.find("Principal");
    if (principal == s.end()) {
      why = "A key policy statement needs a Principal.";
      return std::nullopt;
    }
    if (principal->is_string()) {
      st.principals = string_or_list(*principal, ok);
    } else if (principal->is_object() && principal->contains("AWS")) {
      st.principals = string_or_list(principal->at("AWS"), ok);
    } else {
      ok = false;
    }
    auto action = s.find("Action");
    if (action == s.end()) {
      why = "A statement needs an Action.";
      return std::nullopt;
    }
    st.actions = string_or_list(*action, ok);
    if (!ok) {
      why = "Principal and Action must be strings or lists of strings.";
      return std::nullopt;
    }
    st.has_condition = s.contains("Condition");
    policy.statements.push_back(std::move(st));
  }
  return policy;
}

bool policy_allows(const KeyPolicy& policy, const std::string& principal,
                   const std::string& action) {
  auto matches = [&](const PolicyStatement& st) {
    // The account root stands for the account: "111122223333" names it too.
    const bool who = std::any_of(st.principals.begin(), st.principals.end(), [&](auto& p) {
      return p == "*" || wildcard_match(p, principal) ||
             (p == kAccountId && principal == account_root_arn());
    });
    const bool what = std::any_of(st.actions.begin(), st.actions.end(),
                                  [&](auto& a) { return wildcard_match(lower(a), lower(action)); });
    return who && what;
  };
  bool allowed = false;
  for (const PolicyStatement& st : policy.statements) {
    if (!matches(st)) continue;
    if (!st.allow) return false;
    allowed = true;
  }
  return allowed;
}

}  // namespace hsmsim::model
