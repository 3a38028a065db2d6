// libFuzzer target for the input side: scenario loading (YAML parsing with the limits of
// SPEC §5, structure and types) and the model-level checks that `hsmsim validate` runs.
//
// Bad input must end in scenario::InputError with a message naming the place and the
// problem, which `hsmsim` reports with exit code 2. Anything else is a finding: another
// exception (exit 3 in the CLI), a crash, a sanitizer report, a leak, a timeout or an
// out-of-memory. So is an unclosed '[', '{' or quote reported by the loader's fast pre-scan
// (model/scenario/yaml_prescan.h) where yaml-cpp, reading the whole text, reports something
// else or nothing.
// Built by HSMSIM_FUZZ=ON; run with scripts/fuzz-loader.sh.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <string_view>

#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace {

const std::string kFile = "fuzz.yaml";

[[noreturn]] void finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "scenario_fuzzer: %s: %s\n", what, detail.c_str());
  std::abort();
}

class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp's own error for the text, read as parse_yaml reads it (the first document and
// the start of a second), or "" when it reports none. HandleNextDocument is not called again
// after that: on some texts (",") yaml-cpp 0.7 returns true forever.
std::string yaml_cpp_error(std::string_view text) {
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  IgnoreEvents events;
  try {
    if (parser.HandleNextDocument(events)) parser.HandleNextDocument(events);
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const hsmsim::scenario::Scenario scenario = hsmsim::scenario::load_scenario_text(text, kFile);
    hsmsim::model::check_scenario(scenario);
  } catch (const hsmsim::scenario::InputError& e) {
    // The expected outcome for bad input; the message must name the file and the problem.
    const std::string message = e.what();
    if (message.rfind(kFile, 0) != 0 || e.detail().empty()) {
      finding("InputError without a located message", message);
    }
    // The pre-scan reports only what yaml-cpp reports too, after reading the whole text: an
    // unclosed flow collection or quoted scalar, and no other error before it.
    const std::string& detail = e.detail();
    if (detail.rfind("invalid YAML: ", 0) == 0 &&
        detail.find(" is never closed") != std::string::npos) {
      const std::string yaml_cpp = yaml_cpp_error(text);
      if (yaml_cpp.find("flow not found") == std::string::npos &&
          yaml_cpp.find("illegal EOF in scalar") == std::string::npos) {
        finding("the pre-scan and yaml-cpp disagree",
                message + " / yaml-cpp: " + (yaml_cpp.empty() ? "no error" : yaml_cpp));
      }
    }
  } catch (const std::exception& e) {
    finding("unexpected exception (would be an internal error, exit 3)", e.what());
  } catch (...) {
    finding("unexpected non-standard exception", "");
  }
  return 0;
}
