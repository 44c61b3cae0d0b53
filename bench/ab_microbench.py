#!/usr/bin/python3
"""Two builds' kernel microbenchmarks, alternated: which one is faster on this noisy VM.

    /usr/bin/python3 bench/ab_microbench.py OLD_BUILD NEW_BUILD FILTER [ROUNDS]

OLD_BUILD and NEW_BUILD are build directories (each with bin/onyx_microbench).
Every round runs the FILTER's benchmarks in OLD then NEW (4 short repetitions
each), so a burst of load from another process hits both alike. Per benchmark
it prints GFLOP/s from wall time: the best repetition (what the code can do
when the machine leaves it alone) and the median (what it did).

Other processes on the two cores make single runs swing by 20-30%. Running
the whole script under `chrt -f 50` (as root) keeps compilers and tests from
preempting the benchmarks; it cannot remove cache and memory contention from
the host.
"""
import collections
import re
import statistics
import subprocess
import sys


def run(build, flt):
    out = subprocess.run([f"{build}/bin/onyx_microbench", f"--benchmark_filter={flt}", "--benchmark_repetitions=4",
                          "--benchmark_min_time=0.05"], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"BM_(\S+?)/process_time\s+(\d+) ns", line)
        if m and not re.search(r"_(mean|median|stddev|cv)\b", line):
            yield m.group(1), int(m.group(2))


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    old, new, flt = sys.argv[1:4]
    rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    times = collections.defaultdict(list)
    for _ in range(rounds):
        for tag, build in (("old", old), ("new", new)):
            for name, ns in run(build, flt):
                times[(name, tag)].append(ns)
    for name in sorted({k[0] for k in times}):
        dims = [int(x) for x in name.split("/")[1:4] if x.isdigit()]
        if len(dims) != 3:
            continue
        flops = 2.0 * dims[0] * dims[1] * dims[2]
        row = f"{name:34s}"
        for tag in ("old", "new"):
            t = times[(name, tag)]
            row += f" | {tag}: best {flops / min(t):6.1f} median {flops / statistics.median(t):6.1f} GFLOP/s"
        print(row)


if __name__ == "__main__":
    main()
