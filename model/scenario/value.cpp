// The located YAML tree, bad-input errors and the "did you mean" helper.
#include "model/scenario/value.h"

#include <algorithm>
#include <cassert>

#include "model/scenario/scenario.h"

namespace hsmsim::scenario {
namespace {

// Long scalars are cut in messages so one bad value does not flood the terminal.
constexpr std::size_t kDescribeChars = 40;

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("utnil").
// Three rolling rows: a 64 KiB word costs no more memory than its length.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> before(b.size() + 1), previous(b.size() + 1), current(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    previous[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before[j - 2] + 1);
      }
    }
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

// Close enough to be a typo: at most 2 edits, or a third of the word for long words.
bool close_enough(std::size_t distance, std::string_view word) {
  return distance <= 2 || distance * 3 <= word.size();
}

}  // namespace

std::string SourceLoc::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Value::Value() = default;
Value::Value(const Value&) = default;
Value::Value(Value&&) noexcept = default;
Value& Value::operator=(const Value&) = default;
Value& Value::operator=(Value&&) noexcept = default;
Value::~Value() = default;

const Value* Value::find(std::string_view key) const {
  if (kind != Kind::Mapping) return nullptr;
  for (const auto& [k, v] : entries) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Value::describe() const {
  switch (kind) {
    case Kind::Null:
      return "null";
    case Kind::Sequence:
      return "a sequence";
    case Kind::Mapping:
      return "a mapping";
    case Kind::Scalar:
      break;
  }
  std::string text =
      scalar.size() > kDescribeChars ? scalar.substr(0, kDescribeChars) + "..." : scalar;
  return (quoted ? "a quoted string '" : "a scalar '") + text + "'";
}

InputError::InputError(SourceLoc loc, const std::string& message)
    : std::runtime_error(loc.str() + ": " + message), loc_(std::move(loc)), detail_(message) {}

std::string closest_match(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = 0;
  for (const std::string& candidate : candidates) {
    // The distance is at least the difference in length: skip what cannot be close without
    // computing it (a 64 KiB word against short names).
    const std::size_t longer = std::max(word.size(), candidate.size());
    const std::size_t shorter = std::min(word.size(), candidate.size());
    if (!close_enough(longer - shorter, word)) continue;
    const std::size_t distance = edit_distance(word, candidate);
    // Close enough to be a typo, and never a replacement of (nearly) the whole word, which is
    // no suggestion at all.
    const bool whole_word = distance >= longer;
    if (!close_enough(distance, word) || whole_word) continue;
    if (best.empty() || distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  assert(best.empty() || best_distance > 0 || word == best);
  return best;
}

const char* to_string(StepKind kind) {
  switch (kind) {
    case StepKind::Call:
      return "call";
    case StepKind::Wait:
      return "wait";
    case StepKind::Check:
      return "check";
    case StepKind::Fault:
      return "fault";
  }
  return "?";
}

const char* to_string(Routing routing) {
  switch (routing) {
    case Routing::RoundRobin:
      return "round_robin";
    case Routing::Random:
      return "random";
    case Routing::LeastOutstanding:
      return "least_outstanding";
    case Routing::SharedQueue:
      return "shared_queue";
  }
  return "?";
}

}  // namespace hsmsim::scenario
