// The JSON Schema shipped in scenarios/ matches what the loader accepts.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

nlohmann::json compiled_schema() {
  return nlohmann::json::parse(scenario_json_schema());
}

std::set<std::string> property_names(const nlohmann::json& object) {
  std::set<std::string> names;
  for (const auto& [key, value] : object.at("properties").items())
    names.insert(key);
  return names;
}

std::set<std::string> as_set(const std::vector<std::string>& words) {
  return {words.begin(), words.end()};
}

TEST(Schema, IsADraft2020ObjectSchemaThatRejectsUnknownKeys) {
  const nlohmann::json schema = compiled_schema();
  ASSERT_TRUE(schema.is_object());
  EXPECT_EQ(schema.at("$schema"), "https://json-schema.org/draft/2020-12/schema");
  EXPECT_EQ(schema.at("type"), "object");
  EXPECT_EQ(schema.at("additionalProperties"), false);
  EXPECT_EQ(schema.at("properties").at("version").at("const"), 1);
}

TEST(Schema, TopLevelPropertiesAreTheLoadersKeys) {
  EXPECT_EQ(property_names(compiled_schema()), as_set(top_level_keys()));
}

TEST(Schema, VocabularyMatchesTheLoader) {
  const nlohmann::json schema = compiled_schema();
  const nlohmann::json& defs = schema.at("$defs");
  EXPECT_EQ(property_names(schema.at("properties").at("timing")), as_set(timing_keys()));
  EXPECT_EQ(property_names(defs.at("step")), as_set(step_keys()));
  EXPECT_EQ(property_names(defs.at("fault")), as_set(fault_kinds()));
  EXPECT_EQ(defs.at("invariant_name").at("enum").get<std::vector<std::string>>(),
            invariant_names());
  EXPECT_EQ(property_names(defs.at("workload").at("properties").at("mix")),
            as_set(workload_actions()));
}

TEST(Schema, EveryPropertyHasADescriptionForEditors) {
  const nlohmann::json schema = compiled_schema();
  for (const auto& [key, value] : schema.at("properties").items()) {
    EXPECT_TRUE(value.contains("description")) << key;
  }
  for (const auto& [key, value] : schema.at("$defs").items()) {
    EXPECT_TRUE(value.contains("description")) << key;
  }
}

TEST(Schema, CompiledTextIsTheShippedFile) {
  std::ifstream in(std::string(HSMSIM_SOURCE_DIR) + "/scenarios/scenario.schema.json");
  ASSERT_TRUE(in);
  EXPECT_EQ(nlohmann::json::parse(in), compiled_schema());
}

}  // namespace
}  // namespace hsmsim::scenario
