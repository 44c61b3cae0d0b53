#!/usr/bin/env python3
"""Session creation time of two Onyx builds and ONNX Runtime, alternated.

Per model and thread count, each round runs `onyx bench MODEL --iters 1
--warmup 0` for the old and the new build (their order flipped every round)
and then ort-run.js, and prints the median and minimum create time of each
with the ratios. The machine is shared and noisy: only numbers from one run
of this script compare.

  /usr/bin/python3 bench/create_compare.py --old OLD/bin/onyx --new build/bin/onyx \\
      --models resnet50,bert_base --threads 1,2 --rounds 7
"""
import argparse
import os
import re
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", required=True, help="the baseline build's onyx CLI")
    ap.add_argument("--new", default=os.path.join(ROOT, "build/bin/onyx"))
    ap.add_argument("--models", default="squeezenet1_1,mobilenet_v3_large,resnet50,bert_base,gpt2")
    ap.add_argument("--models-dir", default=os.environ.get("ONYX_MODELS_DIR", "/work/models"))
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--no-ort", action="store_true")
    a = ap.parse_args()
    specs = {}
    for line in open(os.path.join(ROOT, "tests/models/models.txt")):
        if line.strip() and not line.startswith("#"):
            specs[line.split()[0]] = line.split()[1]
    env = dict(os.environ)
    env.setdefault("ORT_NODE_PATH", os.path.expanduser("~/.cache/onnxruntime-node/node_modules/onnxruntime-node"))
    ort_run = os.path.join(ROOT, "..", "shared", "tools", "ort-run.js")

    def onyx(cli, model, t):
        out = subprocess.run([cli, "bench", model, "--threads", str(t), "--iters", "1", "--warmup", "0"],
                             capture_output=True, text=True, check=True).stdout
        return float(re.search(r"create\s+([\d.]+)", out).group(1))

    def ort(name, model, t):
        out = subprocess.run(["node", ort_run, model, specs[name], "--threads", str(t), "--iters", "1"],
                             capture_output=True, text=True, env=env, check=True)
        return float(re.search(r"create_ms\D*([\d.]+)", out.stdout).group(1))

    print("| model | threads | old ms | new ms | new/old | ORT ms | old/ORT | new/ORT | min old | min new |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in a.models.split(","):
        model = os.path.join(a.models_dir, name + ".onnx")
        for t in (int(x) for x in a.threads.split(",")):
            r = {"old": [], "new": [], "ort": []}
            for i in range(a.rounds):
                for k in (("old", "new") if i % 2 == 0 else ("new", "old")):
                    r[k].append(onyx(getattr(a, k), model, t))
                if not a.no_ort:
                    r["ort"].append(ort(name, model, t))
            med = {k: statistics.median(v) for k, v in r.items() if v}
            o = med.get("ort")
            cells = [name, str(t), f"{med['old']:.0f}", f"{med['new']:.0f}", f"{med['new'] / med['old']:.2f}",
                     f"{o:.0f}" if o else "—", f"{med['old'] / o:.2f}" if o else "—",
                     f"{med['new'] / o:.2f}" if o else "—", f"{min(r['old']):.0f}", f"{min(r['new']):.0f}"]
            print("| " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
