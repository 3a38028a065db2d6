// YAML text -> located Value tree, through yaml-cpp's event API.
//
// The event API (rather than YAML::Load) gives a mark for every node and an explicit event
// for every alias, so each limit of SPEC §5 is enforced while the tree is built: nesting
// depth before the parser recurses further, alias expansion before a copy is made.
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cassert>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

#include "model/scenario/scenario.h"
#include "model/scenario/yaml_prescan.h"

namespace hsmsim::scenario {
namespace {

SourceLoc loc_at(const std::string& file, std::string_view text, std::size_t offset) {
  SourceLoc loc{file, 1, 1};
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++loc.line;
      loc.column = 1;
    } else {
      ++loc.column;
    }
  }
  return loc;
}

// Length of the UTF-8 sequence starting at text[i], or 0 when it is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

// A scenario is UTF-8 text: a NUL byte or a broken sequence means someone passed a binary.
void check_text(std::string_view text, const std::string& file) {
  if (text.size() > Limits::kFileBytes) {
    throw InputError({file, 1, 1},
                     "file exceeds the 4 MiB limit (" + std::to_string(text.size()) + " bytes)");
  }
  for (std::size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      throw InputError(loc_at(file, text, i), "not a text file (NUL byte)");
    }
    const std::size_t length = utf8_sequence_length(text, i);
    if (length == 0) throw InputError(loc_at(file, text, i), "not a text file (invalid UTF-8)");
    i += length;
  }
}

// Builds the tree from parser events. Collections under construction sit on a stack; a
// finished node is handed to its parent (as an item, a key, or a key's value).
class TreeBuilder : public YAML::EventHandler {
 public:
  explicit TreeBuilder(const std::string& file) : file_(file) {}

  bool has_root() const { return has_root_; }
  Value take_root() { return std::move(root_); }

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ > 1) {
      throw InputError(loc(mark), "multiple YAML documents; a scenario is one document");
    }
  }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Value v;
    v.loc = loc(mark);
    finish(std::move(v), anchor, Size{});
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    const auto it = anchors_.find(anchor);
    if (it == anchors_.end()) {
      throw InputError(loc(mark), "alias refers to a node that contains it");
    }
    const Anchored& target = it->second;
    // Charged before the copy is made, so a "billion laughs" never allocates its tree.
    alias_nodes_ += target.nodes;
    if (alias_nodes_ > Limits::kAliasNodes) {
      throw InputError(loc(mark),
                       "alias expansion exceeds " + std::to_string(Limits::kAliasNodes) + " nodes");
    }
    check_depth(mark, static_cast<int>(stack_.size()) + target.height);
    Value copy = target.path ? *resolve(*target.path) : target.scalar;
    copy.loc = loc(mark);
    finish(std::move(copy), YAML::NullAnchor, Size{target.nodes, target.height});
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& text) override {
    if (text.size() > Limits::kStringBytes) {
      throw InputError(
          loc(mark), "string exceeds the 64 KiB limit (" + std::to_string(text.size()) + " bytes)");
    }
    Value v;
    v.kind = Value::Kind::Scalar;
    v.scalar = text;
    // yaml-cpp tags plain scalars "?" and quoted or block scalars "!"; an explicit tag
    // (!!str) also makes the text a string rather than something to interpret.
    v.quoted = tag != "?";
    v.loc = loc(mark);
    finish(std::move(v), anchor, Size{});
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    open(mark, Value::Kind::Sequence, anchor);
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    open(mark, Value::Kind::Mapping, anchor);
  }
  void OnMapEnd() override { close(); }

 private:
  // Nodes in a subtree and its collection height, kept as the tree grows so an anchor
  // knows its alias cost without walking the subtree.
  struct Size {
    std::size_t nodes = 1;
    int height = 0;
  };
  struct Frame {
    Value value;
    Size size{1, 1};
    YAML::anchor_t anchor = YAML::NullAnchor;
    bool have_key = false;  // mapping: a key was read, its value comes next
    std::string key;
    SourceLoc key_loc;
    std::unordered_map<std::string, int> key_lines;  // duplicate detection
  };
  // An anchored scalar is kept as a copy; an anchored collection by its position in the
  // tree (child indices from the root), so anchoring alone never duplicates a subtree.
  struct Anchored {
    Value scalar;
    std::optional<std::vector<std::size_t>> path;
    std::size_t nodes = 0;
    int height = 0;
  };

  SourceLoc loc(const YAML::Mark& mark) const {
    if (mark.is_null()) return {file_, 0, 0};
    return {file_, mark.line + 1, mark.column + 1};
  }

  void check_depth(const YAML::Mark& mark, int depth) const {
    if (depth > Limits::kDepth) {
      throw InputError(loc(mark),
                       "nesting depth exceeds the limit of " + std::to_string(Limits::kDepth));
    }
  }

  static std::size_t child_count(const Value& v) {
    return v.is_sequence() ? v.items.size() : v.entries.size();
  }

  Anchored anchored(const Value& v, Size size) const {
    Anchored a;
    a.nodes = size.nodes;
    a.height = size.height;
    if (!v.is_sequence() && !v.is_mapping()) {
      a.scalar = v;
      return a;
    }
    // v is about to become the next child of the innermost open collection; each open
    // collection is likewise the next child of the one around it.
    a.path.emplace();
    for (const Frame& frame : stack_)
      a.path->push_back(child_count(frame.value));
    return a;
  }

  const Value* resolve(const std::vector<std::size_t>& path) const {
    const Value* node = stack_.empty() ? &root_ : &stack_.front().value;
    for (std::size_t level = 0; level < path.size(); ++level) {
      const std::size_t i = path[level];
      if (i < child_count(*node)) {
        node = node->is_sequence() ? &node->items[i] : &node->entries[i].second;
      } else {
        assert(level + 1 < stack_.size());  // still open: the next frame down
        node = &stack_[level + 1].value;
      }
    }
    return node;
  }

  void open(const YAML::Mark& mark, Value::Kind kind, YAML::anchor_t anchor) {
    // Thrown before the parser descends: a 100,000-deep "[[[[" never reaches its recursion.
    check_depth(mark, static_cast<int>(stack_.size()) + 1);
    Frame frame;
    frame.value.kind = kind;
    frame.value.loc = loc(mark);
    frame.anchor = anchor;
    stack_.push_back(std::move(frame));
  }

  void close() {
    assert(!stack_.empty());
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    assert(!frame.have_key);
    finish(std::move(frame.value), frame.anchor, frame.size);
  }

  void finish(Value v, YAML::anchor_t anchor, Size size) {
    if (anchor != YAML::NullAnchor) {
      anchors_[anchor] = anchored(v, size);
    }
    if (stack_.empty()) {
      assert(!has_root_);
      root_ = std::move(v);
      has_root_ = true;
      return;
    }
    Frame& parent = stack_.back();
    parent.size.nodes += size.nodes;
    parent.size.height = std::max(parent.size.height, size.height + 1);
    if (parent.value.is_sequence()) {
      parent.value.items.push_back(std::move(v));
    } else if (!parent.have_key) {
      take_key(parent, std::move(v));
    } else {
      parent.value.entries.emplace_back(std::move(parent.key), std::move(v));
      parent.value.key_locs.push_back(std::move(parent.key_loc));
      parent.have_key = false;
    }
  }

  void take_key(Frame& parent, Value key) {
    if (key.is_null()) {
      // yaml-cpp also reads a key longer than 1024 characters, YAML's limit for a key written
      // without '?', as an empty key followed by a value.
      throw InputError(key.loc,
                       "empty mapping key (or a key longer than YAML's limit of 1024 "
                       "characters)");
    }
    if (!key.is_scalar()) {
      throw InputError(key.loc, "mapping keys must be scalars, got " + key.describe());
    }
    const auto [it, inserted] = parent.key_lines.emplace(key.scalar, key.loc.line);
    if (!inserted) {
      throw InputError(key.loc, "duplicate key '" + key.scalar + "' (first at line " +
                                    std::to_string(it->second) + ")");
    }
    parent.key = std::move(key.scalar);
    parent.key_loc = std::move(key.loc);
    parent.have_key = true;
  }

  const std::string& file_;
  std::vector<Frame> stack_;
  std::map<YAML::anchor_t, Anchored> anchors_;
  std::size_t alias_nodes_ = 0;
  int documents_ = 0;
  bool has_root_ = false;
  Value root_;
};

SourceLoc end_of(const std::string& file, std::string_view text) {
  return loc_at(file, text, text.size());
}

// yaml-cpp's word on the node the pre-scan found unclosed: it parses the text before the
// opener with the node closed at once ("[]", "{}", "''" or "\"\"") and watches for the node's
// event. yaml-cpp reads the text up to the opener as it reads the whole text, so a flow
// collection's event marked at the node (its first anchor or tag, else the opener) or a
// scalar's event marked at the quote itself is that very node. (A scalar after an anchor or
// tag is not confirmed: the event would not tell a quoted scalar from a plain or block one.)
// Exceptions end the parse early either way.
class NodeFinder : public YAML::EventHandler {
 public:
  struct Found {};
  struct Missed {};

  NodeFinder(std::size_t pos, char opener) : pos_(pos), opener_(opener) {}

  void OnDocumentStart(const YAML::Mark&) override {
    if (++documents_ > 1) throw Missed{};
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override { check_not_past(mark); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { check_not_past(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    if ((opener_ == '\'' || opener_ == '"') && at_node(mark)) throw Found{};
    check_not_past(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value style) override {
    if (opener_ == '[' && style == YAML::EmitterStyle::Flow && at_node(mark)) throw Found{};
    open(mark);
  }
  void OnSequenceEnd() override { --depth_; }
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value style) override {
    if (opener_ == '{' && style == YAML::EmitterStyle::Flow && at_node(mark)) throw Found{};
    open(mark);
  }
  void OnMapEnd() override { --depth_; }

 private:
  bool at_node(const YAML::Mark& mark) const {
    return mark.pos >= 0 && static_cast<std::size_t>(mark.pos) == pos_;
  }
  void check_not_past(const YAML::Mark& mark) const {
    if (mark.pos >= 0 && static_cast<std::size_t>(mark.pos) > pos_) throw Missed{};
  }
  void open(const YAML::Mark& mark) {
    check_not_past(mark);
    // Past the limit, the real parse reports the depth.
    if (++depth_ > Limits::kDepth) throw Missed{};
  }

  std::size_t pos_;
  char opener_;
  int depth_ = 0;
  int documents_ = 0;
};

bool yaml_cpp_confirms(std::string_view text, const prescan::Unclosed& unclosed) {
  // yaml-cpp's marks do not count a byte order mark.
  const std::size_t bom = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  const char opener = text[unclosed.outer];
  const bool scalar = opener == '\'' || opener == '"';
  if (unclosed.node < bom || (scalar && unclosed.node != unclosed.outer)) return false;
  std::string prefix(text.substr(0, unclosed.outer));
  prefix += opener;
  prefix += opener == '[' ? ']' : opener == '{' ? '}' : opener;
  std::istringstream in(prefix);
  YAML::Parser parser(in);
  NodeFinder finder(unclosed.node - bom, opener);
  try {
    parser.HandleNextDocument(finder);
  } catch (const NodeFinder::Found&) {
    return true;
  } catch (...) {
    // Missed, a YAML error before the node, or anything else: the full parse decides.
  }
  return false;
}

// A flow collection or quoted string left open to the end of the text, found without
// parsing the whole text (yaml_prescan.h): yaml-cpp would report it only after reading
// everything, which takes seconds for a file near the 4 MiB limit.
void check_unclosed(std::string_view text, const std::string& file) {
  const std::optional<prescan::Unclosed> unclosed =
      prescan::find_unclosed(text, static_cast<std::size_t>(Limits::kDepth));
  if (!unclosed || !yaml_cpp_confirms(text, *unclosed)) return;
  const char opener = text[unclosed->opener];
  const std::string what =
      opener == '['   ? "'[' is never closed (end of sequence flow not found)"
      : opener == '{' ? "'{' is never closed (end of map flow not found)"
                      : std::string("the string opened with ") + opener + " is never closed";
  throw InputError(loc_at(file, text, unclosed->opener), "invalid YAML: " + what);
}

}  // namespace

Value parse_yaml(std::string_view text, const std::string& file) {
  check_text(text, file);
  check_unclosed(text, file);
  std::istringstream in{std::string(text)};
  YAML::Parser parser(in);
  TreeBuilder builder(file);
  try {
    if (parser.HandleNextDocument(builder)) {
      // Drains the stream: a second document raises an InputError from the builder.
      parser.HandleNextDocument(builder);
    }
  } catch (const YAML::Exception& e) {
    const SourceLoc where =
        e.mark.is_null() ? end_of(file, text) : SourceLoc{file, e.mark.line + 1, e.mark.column + 1};
    std::string detail = "invalid YAML: " + e.msg;
    // The same limit in block context: the key is not a key, so its ':' is out of place.
    if (e.msg == "illegal map value" && e.mark.column > 1024) {
      detail += " (a key longer than YAML's limit of 1024 characters?)";
    }
    throw InputError(where, detail);
  }
  if (!builder.has_root()) throw InputError({file, 1, 1}, "empty scenario");
  Value root = builder.take_root();
  if (root.is_null()) throw InputError({file, 1, 1}, "empty scenario");
  return root;
}

}  // namespace hsmsim::scenario
