#!/usr/bin/python3
"""Builds the seed corpus from the ONNX backend conformance models.

  tests/fuzz/make_corpus.py [SUITE_DIR]

corpus/models/: the two smallest models of each op type (seeds of fuzz_loader
and fuzz_infer). corpus/run/: the same models with a fuzz_run trailer holding
the first bytes of the test's own input data, so runs start from real values.
"""
import collections, glob, os, struct, sys
import onnx
from onnx import numpy_helper

here = os.path.dirname(os.path.abspath(__file__))
suite = sys.argv[1] if len(sys.argv) > 1 else "/work/shared/onnx-backend-tests/node"
if not os.path.isdir(suite):
    suite = "/usr/share/libonnx-testdata/data/node"
by_op = collections.defaultdict(list)
for d in sorted(glob.glob(os.path.join(suite, "*"))):
    path = os.path.join(d, "model.onnx")
    if not os.path.exists(path) or os.path.getsize(path) > 4096:
        continue
    try:
        m = onnx.load(path)
    except Exception:
        continue
    op = m.graph.node[0].op_type if m.graph.node else "none"
    by_op[op].append((os.path.getsize(path), d))

for sub in ("models", "run"):
    os.makedirs(os.path.join(here, "corpus", sub), exist_ok=True)
total = 0
for op, items in sorted(by_op.items()):
    for _, d in sorted(items)[:2]:
        name = os.path.basename(d)
        model = open(os.path.join(d, "model.onnx"), "rb").read()
        ctl = b""
        for pb in sorted(glob.glob(os.path.join(d, "test_data_set_0", "input_*.pb"))):
            try:
                t = onnx.TensorProto()
                t.ParseFromString(open(pb, "rb").read())
                ctl += numpy_helper.to_array(t).tobytes()
            except Exception:
                pass
        ctl = ctl[:256]
        open(os.path.join(here, "corpus", "models", name + ".onnx"), "wb").write(model)
        open(os.path.join(here, "corpus", "run", name + ".bin"), "wb").write(model + ctl + struct.pack("<H", len(ctl)))
        total += 2 * len(model) + len(ctl) + 2
print(f"{sum(min(2, len(v)) for v in by_op.values())} models, {total} bytes")
