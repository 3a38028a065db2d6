#include "campaign/shrink.h"

namespace hsmsim::campaign {

Program shrink_program(const Program& failing, const std::function<bool(const Program&)>& fails,
                       const ShrinkLimits& limits, ShrinkStats* stats) {
  auto drop = [](const Program& p, std::size_t begin, std::size_t end) {
    return without(p, begin, end);
  };
  return ddmin(failing, drop, fails, limits, stats);
}

}  // namespace hsmsim::campaign
