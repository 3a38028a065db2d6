// Shrinking a failing program to a small one that still fails the same way: delta debugging
// (Zeller's ddmin, complement removal) over the program's commands, with a bound on the number
// of candidates tried.
//
// ddmin works on anything with size() and a "without [begin, end)" operation, so the algorithm
// is tested on plain vectors with synthetic predicates (tests/campaign/shrink_test.cpp) and used
// on campaign::Program by shrink_program.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <functional>

#include "campaign/program.h"

namespace hsmsim::campaign {

struct ShrinkLimits {
  std::size_t max_tests = 1'000;  // candidates run at most (each a whole scenario run)
};

struct ShrinkStats {
  std::size_t tests = 0;  // candidates tried
  std::size_t size_before = 0;
  std::size_t size_after = 0;
  bool exhausted =
      false;  // stopped by max_tests (the result still fails, but may not be 1-minimal)
};

// ddmin over `input`, which must satisfy `fails`. `without(seq, begin, end)` drops the elements
// [begin, end). Returns a sequence that still fails and, unless the budget ran out, from which
// no single element can be removed while it keeps failing (1-minimal).
template <class Seq, class Without, class Fails>
Seq ddmin(Seq input, Without without, Fails fails, const ShrinkLimits& limits,
          ShrinkStats* stats = nullptr) {
  ShrinkStats local;
  ShrinkStats& s = stats ? *stats : local;
  s.size_before = input.size();
  std::size_t chunks = 2;
  while (input.size() >= 2) {
    chunks = std::min(chunks, input.size());
    const std::size_t size = input.size();
    bool reduced = false;
    // Try removing each of `chunks` near-equal slices; keep the first removal that still fails.
    for (std::size_t c = 0; c < chunks; ++c) {
      const std::size_t begin = size * c / chunks;
      const std::size_t end = size * (c + 1) / chunks;
      if (begin == end) continue;
      if (s.tests >= limits.max_tests) {
        s.exhausted = true;
        s.size_after = input.size();
        return input;
      }
      ++s.tests;
      Seq candidate = without(input, begin, end);
      assert(candidate.size() < size);
      if (fails(candidate)) {
        input = std::move(candidate);
        chunks = std::max<std::size_t>(chunks - 1, 2);
        reduced = true;
        break;
      }
    }
    if (reduced) continue;
    if (chunks >= size) break;  // every single element is needed: 1-minimal
    chunks = std::min(size, chunks * 2);
  }
  // A program of one command may still shrink to none (the failure is in the world alone).
  if (input.size() == 1 && s.tests < limits.max_tests) {
    ++s.tests;
    Seq empty = without(input, 0, 1);
    if (fails(empty)) input = std::move(empty);
  }
  s.size_after = input.size();
  return input;
}

// ddmin over a program's commands with campaign::without.
Program shrink_program(const Program& failing, const std::function<bool(const Program&)>& fails,
                       const ShrinkLimits& limits, ShrinkStats* stats = nullptr);

}  // namespace hsmsim::campaign
