// Plots of a run's metrics time series (SPEC §7), drawn by gnuplot through gnuplot-iostream,
// each as PNG and SVG:
//
//   latency.png      latency p50 and p99 per operation over time
//   throughput.png   successful requests and errors per second
//   utilization.png  HSM utilization
//   timeline.png     HSMs serving and key stores connected, one lane each
//
// Every file is drawn under a temporary name and renamed when gnuplot has finished, so a
// reader never sees half a plot. Plotting never blocks a run: without gnuplot on PATH the
// data of each plot is written as a whitespace-separated .dat file instead, and the result
// says so.
#pragma once

#include <string>
#include <vector>

#include "model/metrics_series.h"

namespace hsmsim::analysis {

struct PlotResult {
  std::vector<std::string> files;  // written, relative to the directory
  std::string note;                // e.g. "gnuplot not found: wrote the plot data only"
};

// Throws std::runtime_error when the directory cannot be written.
PlotResult write_plots(const std::vector<model::MetricRow>& rows, const std::string& directory,
                       const std::string& title);

// Is an executable `gnuplot` on PATH?
bool gnuplot_available();

}  // namespace hsmsim::analysis
