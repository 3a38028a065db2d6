// A YAML document as a plain tree that remembers where each node came from.
//
// Scalars stay text (with a flag telling whether they were quoted) until the code that
// knows their meaning types them, so an error can always name file, line and column.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hsmsim::scenario {

struct SourceLoc {
  std::string file;
  int line = 0;             // 1-based; 0 when unknown
  int column = 0;           // 1-based
  std::string str() const;  // "FILE:LINE:COL"
};

struct Value {
  enum class Kind { Null, Scalar, Sequence, Mapping };

  // Declared here, defaulted in value.cpp: `entries` holds pair<string, Value>, and an
  // implicit destructor would make clang (with libstdc++) instantiate that pair while Value
  // is still incomplete, which it rejects.
  Value();
  Value(const Value&);
  Value(Value&&) noexcept;
  Value& operator=(const Value&);
  Value& operator=(Value&&) noexcept;
  ~Value();

  Kind kind = Kind::Null;
  std::string scalar;        // Kind::Scalar
  bool quoted = false;       // Kind::Scalar written as '...' or "..." or a block scalar
  std::vector<Value> items;  // Kind::Sequence
  std::vector<std::pair<std::string, Value>> entries;  // Kind::Mapping, in file order
  std::vector<SourceLoc> key_locs;                     // Kind::Mapping, loc of each key
  SourceLoc loc;

  bool is_null() const { return kind == Kind::Null; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_sequence() const { return kind == Kind::Sequence; }
  bool is_mapping() const { return kind == Kind::Mapping; }
  // Mapping lookup; nullptr when absent or not a mapping.
  const Value* find(std::string_view key) const;
  // "a mapping", "a sequence", "a scalar 'x'", "null" — for error messages.
  std::string describe() const;
};

// Bad input: the message names the place ("FILE:LINE:COL: what was expected").
class InputError : public std::runtime_error {
 public:
  InputError(SourceLoc loc, const std::string& message);
  const SourceLoc& loc() const { return loc_; }
  const std::string& detail() const { return detail_; }

 private:
  SourceLoc loc_;
  std::string detail_;
};

}  // namespace hsmsim::scenario
