// The pre-scan of yaml_prescan.h. Function and rule names follow yaml-cpp 0.7's scanner
// (scanner.cpp, scantoken.cpp, scanscalar.cpp, exp.h), whose behaviour, quirks included, the
// flow and quoted-scalar parts reproduce.
#include "model/scenario/yaml_prescan.h"

#include <string>
#include <vector>

namespace hsmsim::scenario::prescan {
namespace {

enum class Status { Closed, Unclosed, GiveUp };

struct Scan {
  Status status = Status::GiveUp;
  std::size_t end = 0;     // Closed: just past the node
  std::size_t opener = 0;  // Unclosed: the innermost opener still open at the end of the text
};

Scan closed(std::size_t end) {
  return {Status::Closed, end, 0};
}
Scan unclosed(std::size_t opener) {
  return {Status::Unclosed, 0, opener};
}
Scan give_up() {
  return {};
}

class Scanner {
 public:
  Scanner(std::string_view text, std::size_t max_depth)
      : t_(text),
        n_(text.size()),
        begin_(text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0),
        max_depth_(max_depth) {}

  std::optional<Unclosed> run();

 private:
  char at(std::size_t i) const { return i < n_ ? t_[i] : '\0'; }
  bool blank(std::size_t i) const { return i < n_ && (t_[i] == ' ' || t_[i] == '\t'); }
  // "\n" or "\r\n" (run() leaves texts with any other '\r' to yaml-cpp).
  bool line_break(std::size_t i) const {
    return i < n_ && (t_[i] == '\n' || (t_[i] == '\r' && at(i + 1) == '\n'));
  }
  bool blank_or_break(std::size_t i) const { return blank(i) || line_break(i); }
  // Length of the line break at i, 0 when there is none.
  std::size_t break_length(std::size_t i) const {
    if (!line_break(i)) return 0;
    return t_[i] == '\r' ? 2 : 1;
  }
  // yaml-cpp counts columns from the last '\n' only.
  bool column0(std::size_t i) const { return i == begin_ || (i > begin_ && t_[i - 1] == '\n'); }
  // "---" or "..." followed by a blank, a break or the end.
  bool doc_indicator(std::size_t i) const {
    const std::string_view three = t_.substr(i, 3);
    return (three == "---" || three == "...") && (i + 3 >= n_ || blank_or_break(i + 3));
  }
  static bool one_of(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }
  std::size_t line_indent(std::size_t i) const;
  std::size_t skip_line(std::size_t i) const;

  Scan quoted(std::size_t i) const;
  Scan flow(std::size_t i) const;
  std::size_t plain_in_flow(std::size_t i) const;
  std::size_t plain_in_block(std::size_t i) const;
  std::size_t block_scalar(std::size_t i) const;

  std::string_view t_;
  std::size_t n_;
  std::size_t begin_;
  std::size_t max_depth_;
  // line_indent's memory: how far it has looked, the last line start seen, its indentation.
  mutable std::size_t seen_ = begin_;
  mutable std::size_t line_start_ = begin_;
  mutable std::size_t indent_of_ = std::string_view::npos;
  mutable std::size_t indent_ = 0;
};

// Leading blanks of the line holding i. Callers ask about positions that never decrease, so
// the line start is found by scanning forward from the previous call: linear in all.
std::size_t Scanner::line_indent(std::size_t i) const {
  if (i < seen_) seen_ = line_start_ = begin_;
  for (; seen_ < i; ++seen_) {
    if (t_[seen_] == '\n') line_start_ = seen_ + 1;
  }
  if (indent_of_ != line_start_) {
    indent_of_ = line_start_;
    indent_ = 0;
    while (blank(line_start_ + indent_))
      ++indent_;
  }
  return indent_;
}

// The position of the next line break at or after i (or the end).
std::size_t Scanner::skip_line(std::size_t i) const {
  while (i < n_ && !line_break(i))
    ++i;
  return i;
}

// A quoted scalar from its opening quote at i: ScanQuotedScalar and ScanScalar (indent 0,
// document indicators throw, the end of the text inside a line throws EOF_IN_SCALAR while the
// end of the text after a line break just ends the scalar).
Scan Scanner::quoted(std::size_t i) const {
  const bool single = t_[i] == '\'';
  std::size_t k = i + 1;
  while (k < n_) {
    // Phase 1: up to the end of the line.
    while (true) {
      if (k >= n_) return unclosed(i);
      if (single && t_[k] == '\'' && at(k + 1) != '\'') return closed(k + 1);
      if (!single && t_[k] == '"') return closed(k + 1);
      if (line_break(k)) break;
      if (column0(k) && doc_indicator(k)) return give_up();
      if (!single && t_[k] == '\\' && line_break(k + 1)) {  // escaped line break
        ++k;
        break;
      }
      if (single && t_[k] == '\'') {  // '' (the end did not match)
        k += 2;
        continue;
      }
      if (!single && t_[k] == '\\') {
        if (k + 1 >= n_) return give_up();  // yaml-cpp: unknown escape character
        const char e = t_[k + 1];
        std::size_t digits = 0;
        if (e == 'x') digits = 2;
        if (e == 'u') digits = 4;
        if (e == 'U') digits = 8;
        if (digits == 0) {
          if (!one_of(e, std::string_view("0abt\tnvfre \"'\\/N_LP", 20))) return give_up();
          k += 2;
          continue;
        }
        if (k + 2 + digits > n_) return give_up();
        unsigned long value = 0;
        for (std::size_t d = 0; d < digits; ++d) {
          const char h = t_[k + 2 + d];
          int digit = -1;
          if (h >= '0' && h <= '9') digit = h - '0';
          if (h >= 'a' && h <= 'f') digit = h - 'a' + 10;
          if (h >= 'A' && h <= 'F') digit = h - 'A' + 10;
          if (digit < 0) return give_up();  // INVALID_HEX
          value = value * 16 + static_cast<unsigned long>(digit);
        }
        if ((value >= 0xD800 && value <= 0xDFFF) || value > 0x10FFFF) return give_up();
        k += 2 + digits;
        continue;
      }
      ++k;
    }
    // Phase 2: the line break; phase 3: the next line's leading blanks.
    k += break_length(k);
    while (blank(k))
      ++k;
  }
  return closed(n_);
}

// A plain scalar inside a flow collection from its first character at i: ScanPlainScalar with
// ScanScalarEndInFlow (indent 0, so it runs over line breaks; a document indicator at
// column 0 ends it). Returns where it ends.
std::size_t Scanner::plain_in_flow(std::size_t i) const {
  const auto end_here = [&](std::size_t k) {
    if (k >= n_) return false;
    const char c = t_[k];
    if (c == ':' && (k + 1 >= n_ || blank_or_break(k + 1) || one_of(t_[k + 1], ",]}"))) {
      return true;
    }
    if (one_of(c, ",?[]{}")) return true;
    if (blank(k) && at(k + 1) == '#') return true;
    const std::size_t b = break_length(k);
    return b > 0 && at(k + b) == '#';
  };
  std::size_t k = i;
  while (true) {
    while (k < n_ && !end_here(k) && !line_break(k)) {
      if (column0(k) && doc_indicator(k)) return k;
      ++k;
    }
    if (k >= n_ || end_here(k)) return k;
    k += break_length(k);
    while (blank(k) && !end_here(k))
      ++k;
  }
}

// A flow collection from its opener at i, token by token as ScanNextToken does in the flow
// context.
Scan Scanner::flow(std::size_t i) const {
  std::vector<std::size_t> open;  // positions of the openers still open
  bool json = false;              // yaml-cpp's m_canBeJSONFlow: ':' right after "..." or ']'
  std::size_t k = i;
  while (true) {
    // ScanToNextToken: blanks, a comment, line breaks.
    while (true) {
      while (blank(k))
        ++k;
      if (at(k) == '#') k = skip_line(k);
      const std::size_t b = break_length(k);
      if (b == 0) break;
      k += b;
    }
    if (k >= n_) {
      if (open.empty()) return give_up();  // unreachable: the opener is read first
      return unclosed(open.back());
    }
    const char c = t_[k];
    if (column0(k) && (c == '%' || doc_indicator(k))) return give_up();
    if (c == '[' || c == '{') {
      if (open.size() >= max_depth_) return give_up();  // the nesting limit comes first
      open.push_back(k++);
      json = false;
      continue;
    }
    if (c == ']' || c == '}') {
      if (open.empty() || t_[open.back()] != (c == ']' ? '[' : '{')) return give_up();
      open.pop_back();
      ++k;
      json = true;
      if (open.empty()) return closed(k);
      continue;
    }
    if (open.empty()) return give_up();  // unreachable
    if (c == ',') {
      ++k;
      json = false;
      continue;
    }
    if (c == '-' && (k + 1 >= n_ || blank_or_break(k + 1))) return give_up();  // block entry
    if (c == '?' && blank_or_break(k + 1)) {  // a key indicator leaves `json` as it is
      ++k;
      continue;
    }
    if (c == ':' && (json || blank_or_break(k + 1) || one_of(at(k + 1), ",]}"))) {
      ++k;
      json = false;
      continue;
    }
    // Anchors, aliases and tags: yaml-cpp reports an alias to no anchor, or two anchors or
    // tags on one node, right where they are. Leave them to it.
    if (c == '*' || c == '&' || c == '!') return give_up();
    if (c == '\'' || c == '"') {
      const Scan q = quoted(k);
      if (q.status != Status::Closed) return q;
      k = q.end;
      json = true;
      continue;
    }
    // A plain scalar, unless yaml-cpp rejects its first character (a tag, '|', '>', '%', ...).
    if (one_of(c, "?,[]{}#&*!|>'\"%@`")) return give_up();
    if ((c == '-' || c == ':') && (k + 1 >= n_ || blank(k + 1))) return give_up();
    k = plain_in_flow(k);
    json = false;
  }
}

// A plain scalar in the block context, to the end of its line (': ', ' #' or a break).
std::size_t Scanner::plain_in_block(std::size_t i) const {
  std::size_t k = i;
  while (k < n_ && !line_break(k)) {
    if (t_[k] == ':' && (k + 1 >= n_ || blank_or_break(k + 1))) break;
    if (blank(k) && at(k + 1) == '#') break;
    ++k;
  }
  return k;
}

// A block scalar from its indicator at i: the header line, then every blank line and every
// line indented deeper than the header's line. That is at least what yaml-cpp reads as the
// scalar; at worst this skips a little more.
std::size_t Scanner::block_scalar(std::size_t i) const {
  const std::size_t header_indent = line_indent(i);
  std::size_t k = skip_line(i);
  while (k < n_) {
    const std::size_t line = k + break_length(k);
    std::size_t first = line;
    while (blank(first))
      ++first;
    if (first < n_ && !line_break(first) && first - line <= header_indent) return line;
    k = skip_line(first);
  }
  return n_;
}

// The block context, approximately: it only has to find where flow collections and quoted
// scalars start (yaml-cpp confirms the one reported). A line more indented than the line of a
// plain scalar that ended with it is read as that scalar's continuation.
std::optional<Unclosed> Scanner::run() {
  // yaml-cpp 0.7 reads a '\r' that is not part of "\r\n" in ways of its own (a break in some
  // places, nothing in others), and a 0x04 byte as its end-of-stream marker: leave a text with
  // those, or any other control character but tab and line breaks, to it.
  for (std::size_t i = begin_; i < n_; ++i) {
    const auto byte = static_cast<unsigned char>(t_[i]);
    if ((byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r') || byte == 0x7F) {
      return std::nullopt;
    }
    if (byte == '\r' && at(i + 1) != '\n') return std::nullopt;
  }
  std::size_t k = begin_;
  constexpr std::size_t kNone = std::string_view::npos;
  std::size_t node = kNone;  // the first anchor or tag of the node about to start, if any
  bool plain_open = false;   // a plain scalar ended at a line break: it may continue
  std::size_t plain_indent = 0;
  while (true) {
    bool new_line = false;
    while (true) {
      while (blank(k))
        ++k;
      if (at(k) == '#') {  // a comment also ends a plain scalar
        k = skip_line(k);
        plain_open = false;
      }
      const std::size_t b = break_length(k);
      if (b == 0) break;
      k += b;
      new_line = true;
    }
    if (k >= n_) return std::nullopt;
    if (plain_open && new_line) {
      if (line_indent(k) > plain_indent && !(column0(k) && doc_indicator(k))) {
        k = plain_in_block(k);
        plain_open = k >= n_ || line_break(k);
        continue;
      }
      plain_open = false;
    }
    const char c = t_[k];
    if (column0(k) && c == '%') {
      k = skip_line(k);
      node = kNone;
      continue;
    }
    if (column0(k) && doc_indicator(k)) {
      k += 3;
      node = kNone;
      plain_open = false;
      continue;
    }
    if (c == '[' || c == '{' || c == '\'' || c == '"') {
      const Scan s = (c == '[' || c == '{') ? flow(k) : quoted(k);
      if (s.status == Status::GiveUp) return std::nullopt;
      if (s.status == Status::Unclosed) return Unclosed{node == kNone ? k : node, k, s.opener};
      k = s.end;
      node = kNone;
      plain_open = false;
      continue;
    }
    if (c == ']' || c == '}') return std::nullopt;  // yaml-cpp: illegal flow end, right here
    if (c == '|' || c == '>') {
      k = block_scalar(k);
      node = kNone;
      plain_open = false;
      continue;
    }
    if (c == '&' || c == '!' || c == '*') {
      if (c == '*') node = kNone;
      if (c != '*' && node == kNone) node = k;
      ++k;
      while (k < n_ && !blank_or_break(k) && !one_of(t_[k], "[]{},"))
        ++k;
      continue;
    }
    if ((c == '-' || c == '?' || c == ':') && (k + 1 >= n_ || blank_or_break(k + 1))) {
      ++k;
      node = kNone;
      plain_open = false;
      continue;
    }
    plain_indent = line_indent(k);
    k = plain_in_block(k);
    plain_open = k >= n_ || line_break(k);
    node = kNone;
  }
}

}  // namespace

std::optional<Unclosed> find_unclosed(std::string_view text, std::size_t max_depth) {
  return Scanner(text, max_depth).run();
}

}  // namespace hsmsim::scenario::prescan
