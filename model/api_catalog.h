// Every action a scenario step can call: its service, its AWS parameter names, where its
// primary value (what `as:` binds) sits in the response, and the exception names a step may
// expect. One table, used by scenario checking, dispatch and the conformance test.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hsmsim::model {

struct ActionInfo {
  std::string_view service;  // "kms" | "cloudhsmv2" | "cli"
  std::string_view name;     // AWS action name
  std::vector<std::string_view> params;
  std::string_view primary;  // dotted response path bound by `as:`, "" = whole response
  bool data_plane = false;   // crypto calls: answered after their modelled latency
};

const std::vector<ActionInfo>& all_actions();
// `service` may be empty: an unprefixed name resolves to kms, then cloudhsmv2, then cli.
const ActionInfo* find_action(std::string_view service, std::string_view name);
// Names of every action (for "did you mean").
std::vector<std::string> action_names();

// Exception names from the AWS API models, the Hsm* names of the CLI, and the common errors
// that every AWS API may answer (ValidationException, AccessDeniedException, Throttling…).
const std::vector<std::string>& known_exception_names();
bool is_known_exception(std::string_view name);

// Parameters whose values name objects (IDs, ARNs, aliases, blobs): only there does a
// world name or an `as:` name stand for the object's ID or the bound value.
bool is_reference_param(std::string_view param);

// Binary fields (AWS blobs): base64 in requests and responses, as on the wire. In a scenario a
// literal string there stands for its UTF-8 bytes, and `{length: N}` counts decoded bytes.
bool is_blob_field(std::string_view field);

}  // namespace hsmsim::model
