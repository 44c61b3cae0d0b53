// onyx_rss_growth: does resident memory stay flat when input shapes keep
// changing? (ONNX Runtime's most reported CPU problem: its arena grows with
// every new shape.) Runs a BERT-style model (inputs input_ids,
// attention_mask, token_type_ids of shape [1, seq]) `runs` times with seq
// changing every run, pseudo-randomly in [min_seq, max_seq], and prints the
// RSS after the warm-up (one run at max_seq, so the high-water mark is
// reached), at every tenth of the runs, and the growth in percent.
//
//   build/bin/onyx_rss_growth /work/models/bert_base.onnx [runs=1000] [min_seq=8] [max_seq=512] [threads=2]
//
// Exit status 1 when the anonymous memory grows by more than 10% after the
// warm-up (file-backed pages are printed too; see rss_mb).
#include <onyx/onyx.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

namespace {

// Resident memory in MB: anonymous (what the engine allocates) and file-backed
// (pages of the mapped model file). The file part grows on its own as runs
// read embedding rows no earlier run read (Gather over a table left in the
// mapping): clean page cache, bounded by the table's size, not a leak.
struct Rss {
  double anon = 0, file = 0;
  double total() const { return anon + file; }
};

Rss rss_mb() {
  std::ifstream f("/proc/self/status");
  std::string key;
  Rss r;
  while (f >> key) {
    double kb = 0;
    if (key == "RssAnon:" && f >> kb) r.anon = kb / 1024.0;
    else if ((key == "RssFile:" || key == "RssShmem:") && f >> kb) r.file += kb / 1024.0;
  }
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx [runs=1000] [min_seq=8] [max_seq=512] [threads=2]\n", argv[0]);
    return 2;
  }
  const std::string model = argv[1];
  const int runs = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int min_seq = argc > 3 ? std::atoi(argv[3]) : 8;
  const int max_seq = argc > 4 ? std::atoi(argv[4]) : 512;
  const int threads = argc > 5 ? std::atoi(argv[5]) : 2;

  onyx::Env env;
  onyx::SessionOptions opts;
  opts.SetIntraOpNumThreads(threads);
  onyx::Session session(env, model, opts);
  std::vector<std::string> names;
  for (size_t i = 0; i < session.InputCount(); ++i) names.push_back(session.InputName(i));

  std::mt19937 rng(42);
  auto run = [&](int seq) {
    std::vector<int64_t> ids(static_cast<size_t>(seq)), mask(static_cast<size_t>(seq), 1),
        types(static_cast<size_t>(seq), 0);
    for (auto& v : ids) v = 1000 + static_cast<int64_t>(rng() % 20000);
    std::vector<onyx::Value> in;
    for (const std::string& n : names) {
      std::vector<int64_t>* src = n.find("mask") != std::string::npos   ? &mask
                                  : n.find("type") != std::string::npos ? &types
                                                                        : &ids;
      in.push_back(onyx::Value::CreateTensor<int64_t>({1, seq}, src->data(), src->size()));
    }
    session.Run(names, in, {});
  };

  const Rss start = rss_mb();
  run(max_seq);  // warm-up at the largest shape: the high-water mark
  run(min_seq);
  const Rss base = rss_mb();
  std::printf("model %s, %d runs, seq in [%d, %d], %d threads\n", model.c_str(), runs, min_seq, max_seq, threads);
  std::printf("RSS after session creation %.1f MB, after warm-up %.1f MB (anonymous %.1f, file %.1f)\n",
              start.total(), base.total(), base.anon, base.file);
  Rss peak = base;
  double peak_total = base.total();
  auto t0 = std::chrono::steady_clock::now();
  std::uniform_int_distribution<int> seq_dist(min_seq, max_seq);
  for (int i = 1; i <= runs; ++i) {
    run(seq_dist(rng));
    const Rss now = rss_mb();
    peak.anon = std::max(peak.anon, now.anon);
    peak.file = std::max(peak.file, now.file);
    if (now.total() > peak_total) peak_total = now.total();
    if (i % std::max(1, runs / 10) == 0)
      std::printf("run %5d  RSS %.1f MB (%+.1f%%)  anonymous %.1f MB (%+.1f%%)  file %.1f MB  %.1f s\n", i,
                  now.total(), (now.total() - base.total()) / base.total() * 100.0, now.anon,
                  (now.anon - base.anon) / base.anon * 100.0, now.file,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    std::fflush(stdout);
  }
  const Rss end = rss_mb();
  const double growth = (peak_total - base.total()) / base.total() * 100.0;
  const double anon_growth = (peak.anon - base.anon) / base.anon * 100.0;
  std::printf("RSS end %.1f MB, max %.1f MB: growth %+.1f%% of the post-warm-up %.1f MB\n", end.total(), peak_total,
              growth, base.total());
  std::printf("anonymous end %.1f MB, max %.1f MB: growth %+.1f%% of %.1f MB (limit 10%%); file-backed max %.1f MB\n",
              end.anon, peak.anon, anon_growth, base.anon, peak.file);
  return anon_growth > 10.0 ? 1 : 0;
}
