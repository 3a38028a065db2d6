// parse_yaml: a located tree with scalars kept as text, and the limits enforced on the way.
#include <gtest/gtest.h>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

TEST(ParseYaml, EveryNodeKnowsItsOneBasedLocation) {
  const Value v = parse_yaml("a: 1\nb:\n  - x\n  - {c: d}\n", "f.yaml");
  ASSERT_TRUE(v.is_mapping());
  EXPECT_EQ(v.loc.str(), "f.yaml:1:1");
  ASSERT_EQ(v.entries.size(), 2u);
  EXPECT_EQ(v.key_locs[1].str(), "f.yaml:2:1");
  const Value& b = v.entries[1].second;
  ASSERT_TRUE(b.is_sequence());
  EXPECT_EQ(b.items[0].loc.str(), "f.yaml:3:5");
  EXPECT_EQ(b.items[1].loc.str(), "f.yaml:4:5");
  EXPECT_EQ(b.items[1].find("c")->loc.str(), "f.yaml:4:9");
}

TEST(ParseYaml, ScalarsStayTextAndRememberQuoting) {
  const Value v = parse_yaml("a: 1\nb: '1'\nc: \"x\"\nd: |\n  text\n", "f.yaml");
  EXPECT_EQ(v.find("a")->scalar, "1");
  EXPECT_FALSE(v.find("a")->quoted);
  EXPECT_TRUE(v.find("b")->quoted);
  EXPECT_TRUE(v.find("c")->quoted);
  EXPECT_TRUE(v.find("d")->quoted);
  EXPECT_EQ(v.find("d")->scalar, "text\n");
}

TEST(ParseYaml, PlainNullFormsAreNullButQuotedOnesAreStrings) {
  const Value v = parse_yaml("a: ~\nb: null\nc:\nd: 'null'\n", "f.yaml");
  EXPECT_TRUE(v.find("a")->is_null());
  EXPECT_TRUE(v.find("b")->is_null());
  EXPECT_TRUE(v.find("c")->is_null());
  ASSERT_TRUE(v.find("d")->is_scalar());
  EXPECT_EQ(v.find("d")->scalar, "null");
}

TEST(ParseYaml, AliasCopiesItsAnchorAtTheAliasLocation) {
  const Value v = parse_yaml("a: &base {x: 1, y: [2, 3]}\nb: *base\n", "f.yaml");
  const Value& b = *v.find("b");
  ASSERT_TRUE(b.is_mapping());
  EXPECT_EQ(b.find("x")->scalar, "1");
  EXPECT_EQ(b.find("y")->items.size(), 2u);
  EXPECT_EQ(b.loc.str(), "f.yaml:2:4");
}

TEST(ParseYaml, AliasesFindAnchorsInsideCollectionsStillOpen) {
  const Value v = parse_yaml(
      "outer:\n  - a: &x {k: [1, 2]}\n    b: *x\n  - &y [z]\n  - *y\n  - *x\nlast: *y\n", "f.yaml");
  const Value& outer = *v.find("outer");
  EXPECT_EQ(outer.items[0].find("b")->find("k")->items[1].scalar, "2");
  EXPECT_EQ(outer.items[2].items[0].scalar, "z");
  EXPECT_EQ(outer.items[3].find("k")->items.size(), 2u);
  EXPECT_EQ(v.find("last")->items[0].scalar, "z");
}

TEST(ParseYaml, AnchoredScalarsAndKeysAreCopied) {
  const Value v = parse_yaml("&k key: &s text\nother: *s\nthird: *k\n", "f.yaml");
  EXPECT_EQ(v.find("other")->scalar, "text");
  EXPECT_EQ(v.find("third")->scalar, "key");
}

TEST(ParseYaml, AliasesUpToTheLimitAreExpanded) {
  // 10 aliases of an 11-node sequence and 9 of a 111-node one: 110 + 999 nodes.
  const Value v = parse_yaml(
      "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
      "f.yaml");
  EXPECT_EQ(v.find("c")->items.size(), 9u);
}

TEST(ParseYaml, AliasThatWouldExceedTheDepthLimitIsRejected) {
  std::string text = "a: &a " + std::string(40, '[') + std::string(40, ']') + "\nb: ";
  text += std::string(30, '[') + "*a" + std::string(30, ']') + "\n";
  try {
    parse_yaml(text, "f.yaml");
    FAIL() << "expected an InputError";
  } catch (const InputError& e) {
    EXPECT_EQ(e.detail(), "nesting depth exceeds the limit of 64");
    EXPECT_EQ(e.loc().line, 2);
  }
}

TEST(ParseYaml, DepthOf64IsAllowed) {
  // The top mapping is level 1; 63 nested sequences reach 64.
  const std::string text = "x: " + std::string(63, '[') + std::string(63, ']') + "\n";
  EXPECT_NO_THROW(parse_yaml(text, "f.yaml"));
}

TEST(ParseYaml, StringOfExactly64KiBIsAllowed) {
  EXPECT_NO_THROW(parse_yaml("a: " + std::string(Limits::kStringBytes, 'z') + "\n", "f.yaml"));
}

TEST(ParseYaml, ValidUtf8IsText) {
  const Value v = parse_yaml("a: \"caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x91\"\n", "f.yaml");
  EXPECT_EQ(v.find("a")->scalar, "caf\xc3\xa9 \xe2\x86\x92 \xf0\x9f\x94\x91");
}

TEST(ParseYaml, OverlongAndSurrogateEncodingsAreNotText) {
  EXPECT_THROW(parse_yaml("a: \xc0\xaf\n", "f.yaml"), InputError);      // overlong '/'
  EXPECT_THROW(parse_yaml("a: \xed\xa0\x80\n", "f.yaml"), InputError);  // U+D800
  EXPECT_THROW(parse_yaml("a: \xe2\x86\n", "f.yaml"), InputError);      // truncated
}

TEST(ParseYaml, InputErrorWhatIsLocationAndDetail) {
  const InputError e(SourceLoc{"f.yaml", 3, 7}, "something wrong");
  EXPECT_STREQ(e.what(), "f.yaml:3:7: something wrong");
  EXPECT_EQ(e.detail(), "something wrong");
  EXPECT_EQ(e.loc().column, 7);
}

TEST(ParseYaml, DescribeNamesKindAndText) {
  const Value v = parse_yaml("a: x\nb: 'y'\nc: []\nd: {}\ne:\n", "f.yaml");
  EXPECT_EQ(v.find("a")->describe(), "a scalar 'x'");
  EXPECT_EQ(v.find("b")->describe(), "a quoted string 'y'");
  EXPECT_EQ(v.find("c")->describe(), "a sequence");
  EXPECT_EQ(v.find("d")->describe(), "a mapping");
  EXPECT_EQ(v.find("e")->describe(), "null");
}

}  // namespace
}  // namespace hsmsim::scenario
