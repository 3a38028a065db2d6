// Bad input is reported as FILE:LINE:COL: detail, naming the field and what was expected.
// Each test pins the exact message a user sees from `hsmsim validate`.
#include <gtest/gtest.h>

#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

#include "model/runner/runner.h"
#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

// The message load_scenario_text raises for `text` named t.yaml, or "" when it loads.
std::string error_of(const std::string& text) {
  try {
    load_scenario_text(text, "t.yaml");
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

std::string data_file(const std::string& name) {
  std::ifstream in(std::string(HSMSIM_SOURCE_DIR) + "/tests/scenario/data/" + name,
                   std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// A world with one ACTIVE two-AZ cluster and a key store; appended to by the tests.
const std::string kTwoAzWorld = R"(version: 1
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      hsms: [us-east-1a, us-east-1b]
      users: [{name: kmsuser, role: CU, password: kmsPassw0rd}]
)";

TEST(Malformed, UnknownKeySuggestsTheClosestKey) {
  EXPECT_EQ(error_of("version: 1\nname: t\nuntill: 2h\n"),
            "t.yaml:3:1: unknown key 'untill' (did you mean 'until'?)");
}

TEST(Malformed, UnknownKeyWithoutCloseMatchListsTheKeys) {
  EXPECT_EQ(error_of("version: 1\nhsm: {concurrency: 4, xyzzy: 1}\n"),
            "t.yaml:2:23: unknown key 'xyzzy' (expected one of: service_time, "
            "operation_service_time, concurrency, routing, queue_limit)");
}

TEST(Malformed, BadDurationNamesTheFieldAndTheForm) {
  EXPECT_EQ(error_of("version: 1\nuntil: 2 hours\n"),
            "t.yaml:2:8: field 'until': expected a duration like 250ms, 1.5s, 20m, 2h or 7d, "
            "got a scalar '2 hours'");
}

TEST(Malformed, WrongTypeNamesWhatWasExpectedAndWhatWasFound) {
  EXPECT_EQ(error_of("version: 1\nseed: {a: 1}\n"),
            "t.yaml:2:7: field 'seed': expected a non-negative integer, got a mapping");
  EXPECT_EQ(error_of("version: 1\nseed: -3\n"),
            "t.yaml:2:7: field 'seed': expected a non-negative integer, got a scalar '-3'");
}

TEST(Malformed, StepWithTwoKindsIsRejectedAtTheSecond) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - call: CreateKey\n    wait: {duration: 1m}\n"),
            "t.yaml:4:5: field 'steps[0]': a step is exactly one of call, wait, check, fault "
            "(got both 'call' and 'wait')");
}

TEST(Malformed, StepWithNoKind) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - after: 1m\n"),
            "t.yaml:3:5: field 'steps[0]': a step needs one of call, wait, check, fault");
}

TEST(Malformed, UnknownFaultSuggestsTheFaultKind) {
  EXPECT_EQ(
      error_of("version: 1\nsteps:\n  - fault: {hsm_failur: {cluster: c1, az: us-east-1a}}\n"),
      "t.yaml:3:13: unknown key 'hsm_failur' (did you mean 'hsm_failure'?)");
}

TEST(Malformed, FaultParametersAreChecked) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - fault: {az_outage: {az: us-east-1a}}\n"),
            "t.yaml:3:24: missing required field 'steps[0].fault.az_outage.duration'");
}

TEST(Malformed, HsmAzMustBeOneOfTheClusterAzs) {
  EXPECT_EQ(error_of(R"(version: 1
world:
  clusters:
    - name: c1
      azs: [us-east-1a, us-east-1b]
      hsms: [us-east-1a, us-east-1c]
)"),
            "t.yaml:6:26: field 'world.clusters[0].hsms[1]': AZ 'us-east-1c' is not one of the "
            "cluster's azs (us-east-1a, us-east-1b)");
}

TEST(Malformed, WorldKeyNeedsAConnectedStore) {
  EXPECT_EQ(error_of(kTwoAzWorld + R"(  key_stores:
    - {name: ks1, cluster: c1, password: kmsPassw0rd}
  keys:
    - {name: k1, key_store: ks1}
)"),
            "t.yaml:11:7: field 'world.keys[0]': world key 'k1' needs its key store 'ks1' "
            "CONNECTED (it is DISCONNECTED)");
}

TEST(Malformed, WorldKeyNeedsHsmsInTwoDistinctAzs) {
  EXPECT_EQ(error_of(R"(version: 1
world:
  clusters:
    - {name: c1, azs: [us-east-1a, us-east-1b], hsms: [us-east-1a, us-east-1a],
       users: [{name: kmsuser, role: CU, password: kmsPassw0rd}]}
  key_stores:
    - {name: ks1, cluster: c1, password: kmsPassw0rd, state: CONNECTED}
  keys:
    - {name: k1, key_store: ks1}
)"),
            "t.yaml:9:7: field 'world.keys[0]': world key 'k1' needs active HSMs in 2 distinct "
            "AZs in cluster 'c1' (it has HSMs in 1)");
}

TEST(Malformed, ConnectedStoreNeedsKmsuserWithItsPassword) {
  EXPECT_EQ(error_of(kTwoAzWorld + R"(  key_stores:
    - {name: ks1, cluster: c1, password: otherPassw0rd, state: CONNECTED}
)"),
            "t.yaml:9:7: field 'world.key_stores[0]': key store 'ks1' is CONNECTED but its "
            "password differs from kmsuser's password on cluster 'c1'");
}

TEST(Malformed, KeyStoreMustNameAWorldCluster) {
  EXPECT_EQ(error_of(kTwoAzWorld + R"(  key_stores:
    - {name: ks1, cluster: c2, password: kmsPassw0rd}
)"),
            "t.yaml:9:28: field 'world.key_stores[0].cluster': no world cluster named 'c2' (did "
            "you mean 'c1'?)");
}

TEST(Malformed, DuplicateMappingKey) {
  EXPECT_EQ(error_of("version: 1\nseed: 1\nseed: 2\n"),
            "t.yaml:3:1: duplicate key 'seed' (first at line 2)");
}

TEST(Malformed, DuplicateClusterName) {
  EXPECT_EQ(error_of("version: 1\nworld:\n  clusters:\n    - {name: c1, azs: [a]}\n"
                     "    - {name: c1, azs: [a]}\n"),
            "t.yaml:5:14: field 'world.clusters[1].name': duplicate cluster name 'c1' (first at "
            "line 4)");
}

TEST(Malformed, AliasBombStopsAtTheExpansionLimit) {
  EXPECT_EQ(error_of(data_file("alias_bomb.yaml")),
            "t.yaml:5:36: alias expansion exceeds 10000 nodes");
}

TEST(Malformed, DeepNestingStopsAtDepth65) {
  const std::string deep = "version: 1\nx: " + std::string(200, '[') + std::string(200, ']') + "\n";
  EXPECT_EQ(error_of(deep), "t.yaml:2:67: nesting depth exceeds the limit of 64");
}

TEST(Malformed, StringOver64KiB) {
  EXPECT_EQ(error_of("version: 1\nname: " + std::string(65'537, 'a') + "\n"),
            "t.yaml:2:7: string exceeds the 64 KiB limit (65537 bytes)");
}

TEST(Malformed, NulByteIsNotAText) {
  EXPECT_EQ(error_of(std::string("version: 1\nname: a\0b\n", 19)),
            "t.yaml:2:8: not a text file (NUL byte)");
}

TEST(Malformed, BinaryFileIsNotAText) {
  EXPECT_EQ(error_of(data_file("binary.png")), "t.yaml:1:1: not a text file (invalid UTF-8)");
}

TEST(Malformed, EmptyFile) {
  EXPECT_EQ(error_of(""), "t.yaml:1:1: empty scenario");
  EXPECT_EQ(error_of("# only a comment\n\n"), "t.yaml:1:1: empty scenario");
  EXPECT_EQ(error_of("---\n"), "t.yaml:1:1: empty scenario");
}

TEST(Malformed, VersionMustBe1) {
  EXPECT_EQ(error_of("version: 2\n"),
            "t.yaml:1:10: field 'version': unsupported version 2 (this hsmsim reads version 1)");
  EXPECT_EQ(error_of("name: x\n"), "t.yaml:1:1: missing required field 'version'");
}

TEST(Malformed, FileOver4MiB) {
  const std::string big = "version: 1\n#" + std::string(Limits::kFileBytes, 'x');
  EXPECT_EQ(error_of(big), "t.yaml:1:1: file exceeds the 4 MiB limit (4194316 bytes)");
}

TEST(Malformed, YamlSyntaxErrorAtItsMark) {
  EXPECT_EQ(error_of("version: 1\nname: [a, b}\n"), "t.yaml:2:12: invalid YAML: illegal flow end");
}

// An unclosed '[', '{' or quote is found by a linear pre-scan and named where it opens;
// yaml-cpp alone would report it at the end of the text, after reading all of it.
TEST(Malformed, UnclosedFlowCollectionIsNamedWhereItOpens) {
  EXPECT_EQ(error_of("version: 1\nname: [a, b\n"),
            "t.yaml:2:7: invalid YAML: '[' is never closed (end of sequence flow not found)");
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - {call: CreateKey, with: [a, {b: c}]\n"),
            "t.yaml:3:5: invalid YAML: '{' is never closed (end of map flow not found)");
  // The innermost collection still open at the end is the one named.
  EXPECT_EQ(error_of("version: 1\nx: [a, {b: [c]\n"),
            "t.yaml:2:8: invalid YAML: '{' is never closed (end of map flow not found)");
  EXPECT_EQ(error_of("version: 1\nname: 'it''s\n  and more"),
            "t.yaml:2:7: invalid YAML: the string opened with ' is never closed");
}

// CPU seconds spent loading `text` (wall time would depend on the machine's load). The bound
// is generous -- half the 10 s a malformed input may take -- so that it holds under the
// sanitizers too; what it catches is a quadratic scan, which takes minutes.
double cpu_seconds_to_load(const std::string& text) {
  const std::clock_t start = std::clock();
  error_of(text);
  return static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
}

TEST(Malformed, UnclosedBracketNearTheSizeLimitFailsFast) {
  // yaml-cpp needs seconds (and, behind the '-', memory for every token) to reach the end.
  std::string text = "version: 1\nsteps:\n  - [";
  while (text.size() < Limits::kFileBytes - 16)
    text += "CreateKey, ";
  EXPECT_EQ(error_of(text),
            "t.yaml:3:5: invalid YAML: '[' is never closed (end of sequence flow not found)");
  EXPECT_LT(cpu_seconds_to_load(text), 5.0);
  std::string quoted = "version: 1\nname: \"";
  while (quoted.size() < Limits::kFileBytes - 16)
    quoted += "aaaa ";
  EXPECT_EQ(error_of(quoted),
            "t.yaml:2:7: invalid YAML: the string opened with \" is never closed");
  EXPECT_LT(cpu_seconds_to_load(quoted), 5.0);
}

TEST(Malformed, ErrorsBeforeTheEndOfAnUnclosedFlowComeFirst) {
  // yaml-cpp stops at these before it reaches the end: so does the loader.
  EXPECT_EQ(error_of("version: 1\nx: [&a &b c, d\n"),
            "t.yaml:2:8: invalid YAML: cannot assign multiple anchors to the same node");
  EXPECT_EQ(error_of("version: 1\nx: [*nope, d\n"),
            "t.yaml:2:5: invalid YAML: the referenced anchor is not defined");
  // yaml-cpp uses the byte 0x04 as its end-of-stream marker: a text with control characters
  // is left to yaml-cpp entirely (which here reports the end of the text).
  EXPECT_EQ(error_of(std::string("version: 1\nx: [a\x04", 17) + "b\n"),
            "t.yaml:3:1: invalid YAML: end of sequence flow not found");
  // An anchor or a tag on the collection itself is fine.
  EXPECT_EQ(error_of("version: 1\nx: &a !!seq [c, d\n"),
            "t.yaml:2:13: invalid YAML: '[' is never closed (end of sequence flow not found)");
}

TEST(Malformed, BracketsInsideScalarsAndCommentsAreText) {
  // Each '[' here belongs to a block scalar, a quoted or plain scalar, or a comment: the
  // pre-scan must not report it, and yaml-cpp reads the document as before.
  EXPECT_EQ(error_of("version: 1\ndescription: |\n  [not a flow\n  {nor this\nname: a [b\n"
                     "# [comment\nregion: 'x [y' # [z\n"),
            "t.yaml:7:9: field 'region': expected a region name like us-east-1, got a quoted "
            "string 'x [y'");
  EXPECT_EQ(error_of("version: 1\ndescription: a plain scalar\n  [continued\n"), "");
  // yaml-cpp ends a quoted scalar without error when the text ends after a line break; the
  // pre-scan keeps that.
  EXPECT_EQ(error_of("version: 1\ndescription: \"open\n"), "");
}

TEST(Malformed, LongUnknownNameIsReportedWithoutASuggestionAtOnce) {
  // The "did you mean" search once took the product of the lengths for every candidate:
  // tens of seconds for a 60,000-character action name against the ~100 action names.
  const std::string name(60'000, 'A');
  const std::string text = "version: 1\nsteps:\n  - call: " + name + "\n";
  std::string error;
  const std::clock_t start = std::clock();
  try {
    model::check_scenario(load_scenario_text(text, "t.yaml"));
  } catch (const InputError& e) {
    error = e.what();
  }
  const double cpu_seconds = static_cast<double>(std::clock() - start) / CLOCKS_PER_SEC;
  EXPECT_EQ(error, "t.yaml:3:5: unknown action '" + name + "'");
  EXPECT_LT(cpu_seconds, 5.0);
}

TEST(Malformed, MultipleDocuments) {
  EXPECT_EQ(error_of("version: 1\n---\nversion: 1\n"),
            "t.yaml:2:1: multiple YAML documents; a scenario is one document");
}

TEST(Malformed, NonScalarMappingKey) {
  EXPECT_EQ(error_of("version: 1\n? [a, b]\n: 1\n"),
            "t.yaml:2:3: mapping keys must be scalars, got a sequence");
}

TEST(Malformed, KeyLongerThanYamlAllowsIsNamed) {
  // YAML limits a key written without '?' to 1024 characters; yaml-cpp then reads an empty key
  // (flow) or an out-of-place ':' (block).
  const std::string key(2'000, 'k');
  EXPECT_EQ(error_of("version: 1\ntiming: {" + key + ": 1s}\n"),
            "t.yaml:2:10: empty mapping key (or a key longer than YAML's limit of 1024 "
            "characters)");
  EXPECT_EQ(error_of("version: 1\n" + key + ": 1\n"),
            "t.yaml:2:2001: invalid YAML: illegal map value (a key longer than YAML's limit of "
            "1024 characters?)");
  EXPECT_EQ(error_of("version: 1\nhsm: {: 1}\n"),
            "t.yaml:2:7: empty mapping key (or a key longer than YAML's limit of 1024 "
            "characters)");
}

TEST(Malformed, AtAndAfterExcludeEachOther) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - {at: 1m, after: 2m, wait: {duration: 1s}}\n"),
            "t.yaml:3:14: field 'steps[0]': 'at' and 'after' exclude each other");
}

TEST(Malformed, ExpectOnlyOnCalls) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - {wait: {duration: 1s}, expect: ok}\n"),
            "t.yaml:3:28: field 'steps[0].expect': only a call step takes 'expect'");
}

TEST(Malformed, UnknownServicePrefix) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - call: kmss:CreateKey\n"),
            "t.yaml:3:11: field 'steps[0].call': unknown service prefix 'kmss' (did you mean "
            "'kms'?)");
}

TEST(Malformed, MatcherShapeIsChecked) {
  EXPECT_EQ(error_of("version: 1\nsteps:\n  - call: GenerateDataKey\n"
                     "    expect: {ok: {Plaintext: {length: 32, one_of: [a]}}}\n"),
            "t.yaml:4:30: field 'steps[0].expect.ok.Plaintext': a matcher has one of length, "
            "min, max, one_of, present (only min and max combine)");
}

TEST(Malformed, CheckSubjectTypoSuggestsTheKind) {
  EXPECT_EQ(
      error_of("version: 1\nsteps:\n  - check: {keystore ks1: {ConnectionState: CONNECTED}}\n"),
      "t.yaml:3:13: unknown key 'keystore ks1' (did you mean 'key_store ks1'?)");
}

TEST(Malformed, DistributionFactoryErrorsAreLocated) {
  // The rule and its wording belong to sim::Distribution; the loader adds file, line and field.
  const std::string error =
      error_of("version: 1\nnetwork: {rtt: {lognormal: {median: 10ms, p99: 5ms}}}\n");
  EXPECT_EQ(error.rfind("t.yaml:2:28: field 'network.rtt': lognormal: ", 0), 0u) << error;
  EXPECT_NE(error.find("p99"), std::string::npos) << error;
}

TEST(Malformed, UnknownInvariantSuggestsTheName) {
  EXPECT_EQ(error_of("version: 1\ninvariants: [two_hsm_creaton]\n"),
            "t.yaml:2:14: field 'invariants[0]': expected one of two_hsm_creation, "
            "lineage_exclusive, lineage_update, state_guards, failed_has_code, "
            "orphan_accounting, no_plaintext_key_export, crypto_roundtrip, deletion_window, "
            "store_delete_empty, kmsuser_exclusive, got 'two_hsm_creaton' (did you mean "
            "'two_hsm_creation'?)");
}

TEST(Malformed, RateAboveTheLimit) {
  EXPECT_EQ(error_of("version: 1\nworkloads:\n  - {name: w, arrivals: {poisson: 20000000/s}, "
                     "keys: [k1], mix: {Encrypt: 1}}\n"),
            "t.yaml:3:35: field 'workloads[0].arrivals.poisson': rate 20000000/s exceeds the limit "
            "of 10000000/s");
}

TEST(Malformed, OutputPathMustStayInsideOut) {
  EXPECT_EQ(error_of("version: 1\noutputs: {trace: ../trace.jsonl}\n"),
            "t.yaml:2:18: field 'outputs.trace': expected a relative path inside --out (no "
            "leading '/', no '..'), got a scalar '../trace.jsonl'");
}

TEST(Malformed, TooManyClustersNamesTheLimit) {
  std::string text = "version: 1\nworld:\n  clusters:\n";
  for (int i = 0; i <= 100; ++i)
    text += "    - {name: c" + std::to_string(i) + ", azs: [a]}\n";
  EXPECT_EQ(error_of(text),
            "t.yaml:4:5: field 'world.clusters': the number of clusters exceeds the limit of 100 "
            "(101 given)");
}

TEST(Malformed, MissingFileNamesTheFile) {
  try {
    load_scenario_file("/nonexistent/t.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()),
              "/nonexistent/t.yaml: cannot read file (No such file or directory)");
  }
}

}  // namespace
}  // namespace hsmsim::scenario
