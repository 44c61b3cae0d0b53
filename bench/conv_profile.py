#!/usr/bin/python3
"""Per-node time of one model from Onyx's profiler, with GFLOP/s for each
convolution (FLOPs from the ONNX file's shapes).

    PYTHONPATH=build/python /usr/bin/python3 bench/conv_profile.py MODEL.onnx [THREADS] [TOP] [LEVEL]

LEVEL: all (default) or extended. Inputs are random, symbolic dims 1; the
median of 15 runs per node is printed, slowest first.
"""
import collections
import json
import sys

import numpy as np
import onnx
import onyx
from onnx import shape_inference


def conv_flops(path):
    m = shape_inference.infer_shapes(onnx.load(path))
    dims = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
            for v in list(m.graph.value_info) + list(m.graph.input) + list(m.graph.output)}
    init = {i.name: list(i.dims) for i in m.graph.initializer}
    flops, desc = {}, {}
    for n in m.graph.node:
        if n.op_type != "Conv" or n.input[1] not in init or n.output[0] not in dims:
            continue
        w, o = init[n.input[1]], dims[n.output[0]]
        flops[n.name] = 2.0 * float(np.prod(o[1:])) * float(np.prod(w[1:]))
        desc[n.name] = f"in{dims.get(n.input[0], [])[1:]} w{w} out{o[1:]}"
    return flops, desc


def main():
    path = sys.argv[1]
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 30
    level = sys.argv[4] if len(sys.argv) > 4 else "all"
    flops, desc = conv_flops(path)
    so = onyx.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = "/tmp/onyx_conv_profile"
    so.intra_op_num_threads = threads
    so.graph_optimization_level = getattr(onyx.GraphOptimizationLevel, "ORT_ENABLE_" + level.upper())
    s = onyx.InferenceSession(path, so)
    feeds = {i.name: np.random.rand(*[d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
             for i in s.get_inputs()}
    runs = 15
    for _ in range(runs):
        s.run(None, feeds)
    events = json.load(open(s.end_profiling()))
    if isinstance(events, dict):
        events = events.get("traceEvents", [])
    per_node = collections.defaultdict(list)
    for e in events:
        if e.get("cat") == "Node":
            per_node[e["name"]].append(e["dur"])
    rows = []
    for name, durs in per_node.items():
        ms = float(np.median(durs)) / 1000
        # Fused / blocked nodes keep the original Conv's name plus a suffix.
        base = name.replace("_fused_nchwc", "").replace("_nchwc", "").replace("_fused", "")
        rows.append((ms, base, flops.get(base, 0.0)))
    rows.sort(reverse=True)
    print(f"total {sum(r[0] for r in rows):.2f} ms per run (sum of node medians)")
    for ms, name, f in rows[:top]:
        rate = f"{f / ms / 1e6:6.1f} GFLOP/s" if f else " " * 13
        print(f"{ms:8.3f} ms {rate}  {name[-40:]:40s} {desc.get(name, '')}")


if __name__ == "__main__":
    main()
