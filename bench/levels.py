#!/usr/bin/python3
"""Latency of one model at two optimization levels in one process, the
sessions alternated (5 rounds x 8 runs, medians), to measure what a level's
passes buy on a noisy machine:

    PYTHONPATH=build/python /usr/bin/python3 bench/levels.py MODEL.onnx [THREADS] [extended] [all]
"""
import sys
import time

import numpy as np
import onyx


def main():
    path = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    levels = sys.argv[3:5] if len(sys.argv) > 4 else ["extended", "all"]
    sessions = {}
    for level in levels:
        so = onyx.SessionOptions()
        so.intra_op_num_threads = threads
        so.graph_optimization_level = getattr(onyx.GraphOptimizationLevel, "ORT_ENABLE_" + level.upper())
        sessions[level] = onyx.InferenceSession(path, so)
    feeds = {i.name: np.random.rand(*[d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
             for i in sessions[levels[0]].get_inputs()}
    medians = {level: [] for level in levels}
    for _ in range(5):
        for level, s in sessions.items():
            s.run(None, feeds)
            times = []
            for _ in range(8):
                t = time.perf_counter()
                s.run(None, feeds)
                times.append(time.perf_counter() - t)
            medians[level].append(float(np.median(times)) * 1e3)
    a, b = (float(np.median(medians[level])) for level in levels)
    print(f"{path.split('/')[-1]} threads={threads}: {levels[0]} {a:.2f} ms, {levels[1]} {b:.2f} ms, ratio {a / b:.3f}")


if __name__ == "__main__":
    main()
