// `onyx bench`: session creation time, first-run time, latency percentiles,
// throughput and peak memory of a model, as text and optionally one JSON line.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>

#include "inputs.h"

namespace onyx_cli {

namespace {

const char kUsage[] =
    "usage: onyx bench MODEL [--input NAME=FILE.npy]... [--dim SYMBOL=N]... [--threads N] [--iters N] "
    "[--warmup N] [--seed N] [--json]\n\n"
    "Creates a session, runs once (first run), then --warmup runs (default 3) and\n"
    "--iters timed runs (default 20). Prints creation and first-run time, min / mean /\n"
    "median / p90 / p99 / max latency, throughput (runs per second) and peak RSS.\n"
    "With --json the last line of stdout is one JSON object with these numbers.\n"
    "Inputs not given are random, as for `onyx run`.\n";

using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

double peak_rss_mb() {
  struct rusage ru {};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

std::string json_string(const std::string& s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      o += buf;
    } else {
      o += c;
    }
  }
  return o + "\"";
}

// A progress bar on stderr, drawn only when stderr is a terminal.
class Progress {
 public:
  Progress(const char* label, int total) : label_(label), total_(total), on_(total > 0 && isatty(STDERR_FILENO)) {}
  void update(int done) {
    if (!on_) return;
    constexpr int kWidth = 30;
    int filled = total_ ? done * kWidth / total_ : kWidth;
    std::fprintf(stderr, "\r%-7s [%.*s%*s] %d/%d", label_, filled, "##############################", kWidth - filled,
                 "", done, total_);
    std::fflush(stderr);
  }
  ~Progress() {
    if (on_) std::fprintf(stderr, "\r%*s\r", 60, "");
  }

 private:
  const char* label_;
  int total_;
  bool on_;
};

}  // namespace

int cmd_bench(const std::vector<std::string>& argv) {
  std::vector<std::string> value_flags = input_value_flags();
  value_flags.push_back("--iters");
  value_flags.push_back("--warmup");
  Args args = parse_args(argv, value_flags, {"--json"});
  if (args.help) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (args.positional.size() != 1)
    throw UsageError(args.positional.empty() ? "missing MODEL" : "expected one MODEL, got " +
                                                                     std::to_string(args.positional.size()) + " arguments");
  const std::string& model = args.positional[0];
  InputFlags flags = read_input_flags(args);
  int iters = 20, warmup = 3;
  for (const auto& [flag, value] : args.flags) {
    if (flag == "--iters") iters = static_cast<int>(parse_int(value, "--iters", 1, 10000000));
    if (flag == "--warmup") warmup = static_cast<int>(parse_int(value, "--warmup", 0, 10000000));
  }
  bool json = args.has("--json");

  onyx::Env env;
  onyx::SessionOptions options;
  if (flags.threads > 0) options.SetIntraOpNumThreads(flags.threads);
  auto t0 = Clock::now();
  onyx::Session session(env, model, options);
  double create_ms = ms_since(t0);

  Feed feed = make_feed(session, flags, std::cerr);
  auto run = [&] { return session.Run(feed.names, feed.values, {}); };

  t0 = Clock::now();
  run();
  double first_ms = ms_since(t0);

  {
    Progress bar("warmup", warmup);
    for (int i = 0; i < warmup; ++i) {
      run();
      bar.update(i + 1);
    }
  }
  std::vector<double> times;
  times.reserve(static_cast<size_t>(iters));
  {
    Progress bar("bench", iters);
    for (int i = 0; i < iters; ++i) {
      t0 = Clock::now();
      run();
      times.push_back(ms_since(t0));
      bar.update(i + 1);
    }
  }
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  double mean = 0;
  for (double t : times) mean += t;
  mean /= static_cast<double>(times.size());
  double median = sorted.size() % 2 ? sorted[sorted.size() / 2]
                                    : (sorted[sorted.size() / 2 - 1] + sorted[sorted.size() / 2]) / 2;
  double p90 = percentile(sorted, 90), p99 = percentile(sorted, 99);
  double throughput = mean > 0 ? 1000.0 / mean : 0;
  double rss = peak_rss_mb();

  std::printf("model        %s\n", model.c_str());
  std::printf("threads      %s\n", flags.threads > 0 ? std::to_string(flags.threads).c_str() : "default");
  for (size_t i = 0; i < feed.names.size(); ++i)
    std::printf("input        %s: %s\n", feed.names[i].c_str(), feed.descriptions[i].c_str());
  std::printf("create       %.3f ms\n", create_ms);
  std::printf("first run    %.3f ms\n", first_ms);
  std::printf("iterations   %d (after %d warmup)\n", iters, warmup);
  std::printf("latency      min %.3f  mean %.3f  median %.3f  p90 %.3f  p99 %.3f  max %.3f ms\n", sorted.front(),
              mean, median, p90, p99, sorted.back());
  std::printf("throughput   %.2f runs/s\n", throughput);
  std::printf("peak RSS     %.1f MB\n", rss);
  if (json) {
    std::ostringstream o;
    o.setf(std::ios::fixed);
    o.precision(3);
    o << "{\"model\":" << json_string(model) << ",\"threads\":" << flags.threads << ",\"iters\":" << iters
      << ",\"warmup\":" << warmup << ",\"create_ms\":" << create_ms << ",\"first_ms\":" << first_ms
      << ",\"min_ms\":" << sorted.front() << ",\"mean_ms\":" << mean << ",\"median_ms\":" << median
      << ",\"p90_ms\":" << p90 << ",\"p99_ms\":" << p99 << ",\"max_ms\":" << sorted.back()
      << ",\"throughput_per_s\":" << throughput << ",\"peak_rss_mb\":" << rss << "}";
    std::printf("%s\n", o.str().c_str());
  }
  return 0;
}

}  // namespace onyx_cli
