// Rounded, readable durations for console output; format_duration() is the exact form.
#include <cstdio>

#include "sim/time.h"

namespace hsmsim::sim {

std::string format_duration_human(Duration d) {
  const int64_t ns = d.ns() < 0 ? -d.ns() : d.ns();
  const std::string sign = d.ns() < 0 ? "-" : "";
  char buf[64];
  const int64_t s = ns / 1'000'000'000;
  if (s >= 86'400) {
    std::snprintf(buf, sizeof buf, "%lldd %lldh %lldm", static_cast<long long>(s / 86'400),
                  static_cast<long long>(s % 86'400 / 3'600),
                  static_cast<long long>(s % 3'600 / 60));
  } else if (s >= 3'600) {
    std::snprintf(buf, sizeof buf, "%lldh %lldm %llds", static_cast<long long>(s / 3'600),
                  static_cast<long long>(s % 3'600 / 60), static_cast<long long>(s % 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm %.3fs", static_cast<long long>(s / 60),
                  static_cast<double>(ns % 60'000'000'000) * 1e-9);
  } else if (ns >= 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.3fs", static_cast<double>(ns) * 1e-9);
  } else if (ns >= 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.3fms", static_cast<double>(ns) * 1e-6);
  } else {
    std::snprintf(buf, sizeof buf, "%.3fus", static_cast<double>(ns) * 1e-3);
  }
  return sign + buf;
}

}  // namespace hsmsim::sim
