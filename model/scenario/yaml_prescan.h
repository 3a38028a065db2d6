// A linear pre-scan of YAML text for a flow collection or quoted scalar that runs to the end
// of the text (internal to parse_yaml).
//
// yaml-cpp notices an unclosed '[', '{' or quote only at the end of the text, after scanning
// all of it: seconds for a 4 MiB file. This scan finds the same problem in milliseconds. It
// mirrors yaml-cpp's scanner exactly from a flow collection's or quoted scalar's first
// character on; the block context before it is only approximated, so parse_yaml has yaml-cpp
// confirm that the node really starts there before reporting it. On anything it does not
// model exactly, or where yaml-cpp would stop earlier with another error (anchors, aliases,
// tags, directives, document markers or block entries inside a flow, invalid escapes, control
// characters, a '\r' outside "\r\n", nesting past the depth limit) the scan gives up and leaves the
// text to yaml-cpp. So a document yaml-cpp accepts is never refused, and the error reported
// is the one yaml-cpp would report after reading everything. The scenario fuzzer
// (fuzz/scenario_fuzzer.cpp) checks both against yaml-cpp.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace hsmsim::scenario::prescan {

struct Unclosed {
  std::size_t node;    // where the outer node starts: its first anchor or tag, else `outer`
  std::size_t outer;   // the outermost unclosed '[', '{' or quote, found in block context
  std::size_t opener;  // the innermost unclosed '[', '{' or quote: the one to report
};

// Offsets are into `text` (a UTF-8 byte order mark, if any, included). Flow collections
// nested deeper than `max_depth` are left to the parser's nesting limit.
std::optional<Unclosed> find_unclosed(std::string_view text, std::size_t max_depth);

}  // namespace hsmsim::scenario::prescan
