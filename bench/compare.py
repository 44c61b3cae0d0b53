#!/usr/bin/python3
"""Onyx against ONNX Runtime, side by side, on the same models and inputs.

For every model and thread count the two engines are run alternately (Onyx
first in even rounds, ONNX Runtime first in odd ones) for several rounds, each
in a fresh process, so that a burst of load on this shared machine hits both
alike. Per model it prints the median over rounds of each engine's median
latency, the ratio ORT/Onyx (> 1: Onyx is faster), session creation time and
peak RSS (the child's ru_maxrss from wait4, measured the same way for both;
the ORT figure includes Node's own baseline, printed once at the top).

Inputs: the real models use the inputs in /work/models/ref/<name>/ (the
ones the ORT reference outputs were made from); other models get inputs that
ort-run.js generates and dumps once, then both engines read the same .npy files.

Usage:
  /usr/bin/python3 bench/compare.py [--onyx build/bin/onyx] [--rounds 3] [--iters 10]
      [--warmup 2] [--threads 1,2] [--models resnet50,gpt2,...] [--light/--no-light]
      [--markdown OUT.md] [--json OUT.json]
"""
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODELS_DIR = "/work/models"
REAL = ["resnet50", "mobilenet_v3_large", "squeezenet1_1", "bert_base", "gpt2"]
LIGHT_DIR = "/work/shared/onnx-backend-tests/light"
ORT_RUN = "/work/shared/tools/ort-run.js"
ORT_NODE_PATH = os.path.expanduser("~/.cache/onnxruntime-node/node_modules/onnxruntime-node")


def run_child(cmd, env=None, timeout=1800):
    """Runs cmd; returns (returncode, stdout, stderr, peak RSS in MB, wall s)."""
    t0 = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        deadline = t0 + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (p.returncode, out.read().decode(errors="replace"), err.read().decode(errors="replace"),
                ru.ru_maxrss / 1024.0, time.monotonic() - t0)


def last_json(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                pass
    return None


def ort_env():
    env = dict(os.environ)
    env.setdefault("ORT_NODE_PATH", ORT_NODE_PATH)
    return env


def load_index(d):
    with open(os.path.join(d, "index.json")) as f:
        return [e for e in json.load(f) if e.get("kind", "in") == "in"]


def inputs_for(name, path, workdir):
    """Returns the list of input entries (name, type, shape, file) both engines read."""
    ref = os.path.join(MODELS_DIR, "ref", name)
    if os.path.isfile(os.path.join(ref, "index.json")):
        return [dict(e, file=os.path.join(ref, e["file"])) for e in load_index(ref)]
    d = os.path.join(workdir, name)
    os.makedirs(d, exist_ok=True)
    rc, out, err, _, _ = run_child(["node", ORT_RUN, path, "--iters", "1", "--warmup", "0", "--dump", d], env=ort_env())
    if rc != 0:
        raise RuntimeError(f"{name}: ort-run.js --dump failed: {err.strip()[-400:]} {out.strip()[-400:]}")
    return [dict(e, file=os.path.join(d, e["file"])) for e in load_index(d)]


def ort_spec(inputs):
    return ";".join(f"{e['name']}:{e['type']}:{'x'.join(str(s) for s in e['shape'])}=npy({e['file']})" for e in inputs)


def run_onyx(onyx, path, inputs, threads, iters, warmup):
    cmd = [onyx, "bench", path, "--threads", str(threads), "--iters", str(iters), "--warmup", str(warmup), "--json"]
    for e in inputs:
        cmd += ["--input", f"{e['name']}={e['file']}"]
    rc, out, err, rss, _ = run_child(cmd)
    j = last_json(out)
    if rc != 0 or not j:
        return {"error": (err.strip() or out.strip())[-300:]}
    return {"median_ms": j["median_ms"], "create_ms": j["create_ms"], "rss_mb": rss}


def run_ort(path, inputs, threads, iters, warmup):
    cmd = ["node", ORT_RUN, path, ort_spec(inputs), "--threads", str(threads), "--iters", str(iters), "--warmup",
           str(warmup)]
    rc, out, err, rss, _ = run_child(cmd, env=ort_env())
    j = last_json(out)
    if rc != 0 or not j or "error" in j:
        return {"error": ((j or {}).get("error") or err.strip() or out.strip())[-300:]}
    return {"median_ms": j["median_ms"], "create_ms": j["create_ms"], "rss_mb": rss}


def med(rs, key):
    vals = [r[key] for r in rs if key in r]
    return statistics.median(vals) if vals else None


def fmt(v, spec=".1f"):
    return "—" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--onyx", default=os.path.join(ROOT, "build", "bin", "onyx"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--models", default="", help="comma-separated names (default: all real + light models)")
    ap.add_argument("--no-light", action="store_true", help="skip the light models")
    ap.add_argument("--markdown", help="write the result table (markdown) to this file")
    ap.add_argument("--json", help="write every raw measurement to this file")
    a = ap.parse_args()

    models = [(n, os.path.join(MODELS_DIR, n + ".onnx")) for n in REAL]
    if not a.no_light and os.path.isdir(LIGHT_DIR):
        models += [(f[:-5], os.path.join(LIGHT_DIR, f)) for f in sorted(os.listdir(LIGHT_DIR)) if f.endswith(".onnx")]
    if a.models:
        want = a.models.split(",")
        models = [m for m in models if m[0] in want]
    models = [m for m in models if os.path.isfile(m[1])]
    threads = [int(t) for t in a.threads.split(",")]
    if not os.access(a.onyx, os.X_OK):
        sys.exit(f"compare.py: no Onyx CLI at {a.onyx} (build it, or pass --onyx)")

    _, _, _, node_rss, _ = run_child(["node", "-e", "0"])
    header = (f"host {platform.node()}, load {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
              f"{os.getloadavg()[2]:.2f} at start; rounds {a.rounds}, iters {a.iters}, warmup {a.warmup}; "
              f"Node baseline RSS {node_rss:.0f} MB (included in ORT's RSS)")
    print(header, flush=True)
    rows, raw = [], []
    work = tempfile.mkdtemp(prefix="onyx-compare-")
    try:
        for name, path in models:
            try:
                inputs = inputs_for(name, path, work)
            except RuntimeError as e:
                print(f"{name}: skipped: {e}", flush=True)
                continue
            for t in threads:
                onyx_rs, ort_rs = [], []
                for r in range(a.rounds):
                    order = ["onyx", "ort"] if r % 2 == 0 else ["ort", "onyx"]
                    for who in order:
                        if who == "onyx":
                            res = run_onyx(a.onyx, path, inputs, t, a.iters, a.warmup)
                            onyx_rs.append(res)
                        else:
                            res = run_ort(path, inputs, t, a.iters, a.warmup)
                            ort_rs.append(res)
                        raw.append(dict(model=name, threads=t, round=r, engine=who, **res))
                errs = [r["error"] for r in onyx_rs + ort_rs if "error" in r]
                row = dict(model=name, threads=t, onyx_ms=med(onyx_rs, "median_ms"), ort_ms=med(ort_rs, "median_ms"),
                           onyx_create=med(onyx_rs, "create_ms"), ort_create=med(ort_rs, "create_ms"),
                           onyx_rss=max([r["rss_mb"] for r in onyx_rs if "rss_mb" in r], default=None),
                           ort_rss=max([r["rss_mb"] for r in ort_rs if "rss_mb" in r], default=None),
                           error=errs[0] if errs else "")
                row["ratio"] = row["ort_ms"] / row["onyx_ms"] if row["ort_ms"] and row["onyx_ms"] else None
                rows.append(row)
                print(f"{name:24s} t={t}  onyx {fmt(row['onyx_ms'], '9.2f')} ms  ort {fmt(row['ort_ms'], '9.2f')} ms  "
                      f"ORT/Onyx {fmt(row['ratio'], '5.2f')}  create {fmt(row['onyx_create'], '.0f')} / "
                      f"{fmt(row['ort_create'], '.0f')} ms  RSS {fmt(row['onyx_rss'], '.0f')} / "
                      f"{fmt(row['ort_rss'], '.0f')} MB" + (f"  [{row['error'][:160]}]" if row["error"] else ""),
                      flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = [f"_{header}; load {os.getloadavg()[0]:.2f} at end._", "",
             "| model | threads | Onyx ms | ORT ms | ORT/Onyx | create Onyx ms | create ORT ms | create Onyx/ORT "
             "| RSS Onyx MB | RSS ORT MB |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cr = r["onyx_create"] / r["ort_create"] if r["onyx_create"] and r["ort_create"] else None
        lines.append(f"| {r['model']} | {r['threads']} | {fmt(r['onyx_ms'], '.2f')} | {fmt(r['ort_ms'], '.2f')} | "
                     f"{fmt(r['ratio'], '.2f')} | {fmt(r['onyx_create'], '.0f')} | {fmt(r['ort_create'], '.0f')} | "
                     f"{fmt(cr, '.2f')} | {fmt(r['onyx_rss'], '.0f')} | {fmt(r['ort_rss'], '.0f')} |")
    for t in threads:
        rs = [r["ratio"] for r in rows if r["threads"] == t and r["ratio"]]
        if rs:
            lines.append("")
            lines.append(f"Geomean ORT/Onyx at {t} thread(s): {statistics.geometric_mean(rs):.2f} over {len(rs)} models.")
    text = "\n".join(lines)
    print()
    print(text)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(text + "\n")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(raw, f, indent=1)


if __name__ == "__main__":
    main()
