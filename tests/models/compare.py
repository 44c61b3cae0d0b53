#!/usr/bin/python3
"""compare.py REF_DIR OUT_DIR: compare Onyx outputs with ONNX Runtime's.

REF_DIR is an ort-run.js --dump folder (index.json + out_*.npy); OUT_DIR holds
Onyx's `onyx run --output-dir` files (<name>.npy, name sanitised). An output
matches when max |onyx - ort| <= 1e-3 * max |ort| (the bar of issue 2).
Prints one line per output; exit status 1 if any output is off or missing.
"""
import json, os, re, sys
import numpy as np

ref_dir, out_dir = sys.argv[1], sys.argv[2]
index = json.load(open(os.path.join(ref_dir, "index.json")))
bad = 0
for ent in index:
    if ent["kind"] != "out":
        continue
    name = ent["name"]
    ref = np.load(os.path.join(ref_dir, ent["file"]))
    path = os.path.join(out_dir, re.sub(r"[^A-Za-z0-9._-]", "_", name) + ".npy")
    if not os.path.exists(path):
        print(f"  {name}: MISSING ({path})")
        bad += 1
        continue
    got = np.load(path)
    if got.shape != ref.shape or got.dtype != ref.dtype:
        print(f"  {name}: shape/type {got.shape} {got.dtype} but ORT gives {ref.shape} {ref.dtype}")
        bad += 1
        continue
    scale = float(np.max(np.abs(ref.astype(np.float64)))) if ref.size else 0.0
    err = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
    ok = err <= 1e-3 * scale or err == 0.0
    bad += 0 if ok else 1
    print(f"  {name}: max abs err {err:.3g}, max |ref| {scale:.3g}, ratio {err / scale if scale else 0:.2e} {'ok' if ok else 'MISMATCH'}")
sys.exit(1 if bad else 0)
