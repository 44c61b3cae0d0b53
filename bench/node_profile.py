#!/usr/bin/python3
"""Per-node medians of one model at 1 and at 2 threads, side by side, from
Onyx's profiler: which nodes gain least from the second thread.

    PYTHONPATH=build/python /usr/bin/python3 bench/node_profile.py MODEL.onnx [--ref DIR] [--runs N] [--top K]

--ref DIR: the inputs of an ORT reference directory (index.json and .npy
files, as tests/models/check_models.sh writes under /work/models/ref/NAME);
without it, random float inputs with symbolic dims 1. Prints the sum of the
node medians at each thread count, then per op type and the K nodes whose
2-thread time exceeds half their 1-thread time the most.
"""
import argparse
import collections
import json
import os

import numpy as np
import onyx


def feeds_of(session, ref):
    if ref:
        index = json.load(open(os.path.join(ref, "index.json")))
        return {e["name"]: np.load(os.path.join(ref, e["file"])) for e in index if e["kind"] == "in"}
    return {i.name: np.random.rand(*[d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
            for i in session.get_inputs()}


def node_medians(path, threads, ref, runs):
    so = onyx.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = "/tmp/onyx_node_profile"
    so.intra_op_num_threads = threads
    s = onyx.InferenceSession(path, so)
    feeds = feeds_of(s, ref)
    for _ in range(runs):
        s.run(None, feeds)
    trace = s.end_profiling()
    events = json.load(open(trace))
    os.remove(trace)
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    per_node = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node":
            per_node[(e["name"], e["args"].get("op_name", ""))].append(e["dur"])
    return {k: float(np.median(v)) for k, v in per_node.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--ref")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--top", type=int, default=20)
    a = ap.parse_args()
    t1 = node_medians(a.model, 1, a.ref, a.runs)
    t2 = node_medians(a.model, 2, a.ref, a.runs)
    s1, s2 = sum(t1.values()), sum(t2.values())
    print(f"sum of node medians (us): 1 thread {s1:.0f}, 2 threads {s2:.0f}, over half the 1-thread sum {s2 - s1 / 2:.0f}")
    by_op = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for k, v in t1.items():
        by_op[k[1]][0] += v
        by_op[k[1]][1] += t2.get(k, 0.0)
        by_op[k[1]][2] += 1
    for op, (a1, a2, n) in sorted(by_op.items(), key=lambda x: -(x[1][1] - x[1][0] / 2)):
        print(f"{op:26s} n={n:3d}  1T {a1:8.0f}  2T {a2:8.0f}  speedup {a1 / max(a2, 1):.2f}")
    print("nodes:")
    for k in sorted(t1, key=lambda k: -(t2.get(k, 0.0) - t1[k] / 2))[:a.top]:
        print(f"{k[0][-55:]:55s} {k[1]:16s} 1T {t1[k]:7.0f}  2T {t2.get(k, 0.0):7.0f}")


if __name__ == "__main__":
    main()
