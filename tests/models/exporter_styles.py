#!/usr/bin/python3
"""exporter_styles.py BUILD_DIR: small models written the way real exporters write them,
run by Onyx (`onyx run`) and by ONNX Runtime 1.30 (ort-run.js) on the same inputs.

The real models in ../shared/models are all torch exports; these cover the other shapes a
user brings:
  tf2onnx     NHWC input with a Transpose to NCHW, `unk__` symbolic dims, names with ':'
  paddle      weights held in Constant nodes, opset-11 Clip with min/max as inputs, BN after Conv
  fp16        a float16-converted graph (fp16 weights, Cast in and out), checked against ORT on
              its float32 twin (ORT's CPU provider lacks fp16 kernels for several of these ops)
  ortquant    ORT-style dynamic quantization: DynamicQuantizeLinear -> ConvInteger / MatMulInteger
              -> Cast -> Mul(scales) -> Add(bias)
An output matches when max |onyx - ort| <= tol * max |ort| (1e-3; 1e-2 for fp16 vs fp32).
Exit status 1 if any model differs or fails. Needs python3-onnx, python3-numpy, Node + ORT.
"""
import json, os, re, subprocess, sys, tempfile
import numpy as np
import onnx
from onnx import TensorProto as TP, helper as h, numpy_helper as nh

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
build = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "build"))
ort_js = os.path.join(root, "..", "shared", "tools", "ort-run.js")
rng = np.random.default_rng(7)


def w(*shape, scale=0.2):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def tf2onnx_model():
    k = w(8, 3, 3, 3)
    fc = w(8 * 8 * 8, 10)
    nodes = [
        h.make_node("Transpose", ["input:0"], ["nchw"], perm=[0, 3, 1, 2], name="StatefulPartitionedCall/transpose"),
        h.make_node("Conv", ["nchw", "conv/kernel:0", "conv/bias:0"], ["c"], pads=[1, 1, 1, 1]),
        h.make_node("Relu", ["c"], ["r"]),
        h.make_node("MaxPool", ["r"], ["p"], kernel_shape=[2, 2], strides=[2, 2]),
        h.make_node("Transpose", ["p"], ["nhwc"], perm=[0, 2, 3, 1]),
        h.make_node("Reshape", ["nhwc", "flat_shape:0"], ["flat"]),
        h.make_node("MatMul", ["flat", "dense/kernel:0"], ["mm"]),
        h.make_node("Add", ["mm", "dense/bias:0"], ["logits"]),
        h.make_node("Softmax", ["logits"], ["Identity:0"], axis=-1),
    ]
    inits = [nh.from_array(k, "conv/kernel:0"), nh.from_array(w(8), "conv/bias:0"),
             nh.from_array(np.array([-1, 8 * 8 * 8], np.int64), "flat_shape:0"),
             nh.from_array(fc, "dense/kernel:0"), nh.from_array(w(10), "dense/bias:0")]
    g = h.make_graph(nodes, "tf2onnx", [h.make_tensor_value_info("input:0", TP.FLOAT, ["unk__21", 16, 16, 3])],
                     [h.make_tensor_value_info("Identity:0", TP.FLOAT, ["unk__22", 10])], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], producer_name="tf2onnx")
    return m, {"input:0": rng.standard_normal((2, 16, 16, 3)).astype(np.float32)}, None, 1e-3


def paddle_model():
    def const(name, arr):
        return h.make_node("Constant", [], [name], value=nh.from_array(arr, name + "_t"))
    nodes = [
        const("conv2d_0.w_0", w(6, 3, 3, 3)),
        const("bn.scale", (1 + w(6)).astype(np.float32)), const("bn.bias", w(6)),
        const("bn.mean", w(6)), const("bn.var", (1 + np.abs(w(6))).astype(np.float32)),
        const("clip.min", np.array(0, np.float32)), const("clip.max", np.array(6, np.float32)),
        const("fc.w", w(6, 4)), const("fc.b", w(4)),
        h.make_node("Conv", ["x", "conv2d_0.w_0"], ["conv"], strides=[2, 2], pads=[1, 1, 1, 1]),
        h.make_node("BatchNormalization", ["conv", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["bn"], epsilon=1e-5),
        h.make_node("Clip", ["bn", "clip.min", "clip.max"], ["relu6"]),
        h.make_node("GlobalAveragePool", ["relu6"], ["gap"]),
        h.make_node("Flatten", ["gap"], ["flat"], axis=1),
        h.make_node("MatMul", ["flat", "fc.w"], ["mm"]),
        h.make_node("Add", ["mm", "fc.b"], ["save_infer_model/scale_0.tmp_1"]),
    ]
    g = h.make_graph(nodes, "paddle", [h.make_tensor_value_info("x", TP.FLOAT, [-1, 3, 12, 12])],
                     [h.make_tensor_value_info("save_infer_model/scale_0.tmp_1", TP.FLOAT, [-1, 4])])
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 11)], producer_name="PaddlePaddle")
    return m, {"x": (rng.standard_normal((2, 3, 12, 12)) * 3).astype(np.float32)}, None, 1e-3


def fp16_models():
    weights = {"W1": w(16, 32), "B1": w(32), "W2": w(32, 8), "B2": w(8)}

    def build(dt):
        np_dt = np.float16 if dt == TP.FLOAT16 else np.float32
        nodes = [h.make_node("Cast", ["x"], ["x16"], to=dt),
                 h.make_node("MatMul", ["x16", "W1"], ["m1"]), h.make_node("Add", ["m1", "B1"], ["a1"]),
                 h.make_node("Relu", ["a1"], ["r1"]),
                 h.make_node("MatMul", ["r1", "W2"], ["m2"]), h.make_node("Add", ["m2", "B2"], ["a2"]),
                 h.make_node("Sigmoid", ["a2"], ["s"]),
                 h.make_node("Cast", ["s"], ["y"], to=TP.FLOAT)]
        inits = [nh.from_array(v.astype(np_dt), k) for k, v in weights.items()]
        g = h.make_graph(nodes, "fp16", [h.make_tensor_value_info("x", TP.FLOAT, ["batch", 16])],
                         [h.make_tensor_value_info("y", TP.FLOAT, ["batch", 8])], inits)
        return h.make_model(g, opset_imports=[h.make_opsetid("", 17)], producer_name="onnxconverter-common")
    return build(TP.FLOAT16), {"x": rng.standard_normal((3, 16)).astype(np.float32)}, build(TP.FLOAT), 1e-2


def ortquant_model():
    wq = rng.integers(0, 256, (4, 3, 3, 3), dtype=np.uint8)
    mq = rng.integers(0, 256, (4 * 5 * 5, 6), dtype=np.uint8)
    nodes = [
        h.make_node("DynamicQuantizeLinear", ["x"], ["x_q", "x_scale", "x_zp"]),
        h.make_node("ConvInteger", ["x_q", "w_q", "x_zp", "w_zp"], ["c32"]),
        h.make_node("Cast", ["c32"], ["cf"], to=TP.FLOAT),
        h.make_node("Mul", ["x_scale", "w_scale"], ["cs"]),
        h.make_node("Mul", ["cf", "cs"], ["cdq"]),
        h.make_node("Add", ["cdq", "c_bias"], ["conv"]),
        h.make_node("Relu", ["conv"], ["r"]),
        h.make_node("Reshape", ["r", "shape"], ["flat"]),
        h.make_node("DynamicQuantizeLinear", ["flat"], ["f_q", "f_scale", "f_zp"]),
        h.make_node("MatMulInteger", ["f_q", "m_q", "f_zp", "m_zp"], ["m32"]),
        h.make_node("Cast", ["m32"], ["mf"], to=TP.FLOAT),
        h.make_node("Mul", ["f_scale", "m_scale"], ["ms"]),
        h.make_node("Mul", ["mf", "ms"], ["y"]),
    ]
    inits = [nh.from_array(wq, "w_q"), nh.from_array(np.array(128, np.uint8), "w_zp"),
             nh.from_array(np.array(0.01, np.float32), "w_scale"), nh.from_array(w(4, 1, 1), "c_bias"),
             nh.from_array(np.array([-1, 100], np.int64), "shape"),
             nh.from_array(mq, "m_q"), nh.from_array(np.array(120, np.uint8), "m_zp"),
             nh.from_array(np.array(0.02, np.float32), "m_scale")]
    g = h.make_graph(nodes, "ortquant", [h.make_tensor_value_info("x", TP.FLOAT, ["N", 3, 7, 7])],
                     [h.make_tensor_value_info("y", TP.FLOAT, ["N", 6])], inits)
    m = h.make_model(g, opset_imports=[h.make_opsetid("", 13)], producer_name="onnx.quantize")
    return m, {"x": rng.standard_normal((2, 3, 7, 7)).astype(np.float32)}, None, 1e-3


def npy_type(a):
    return {np.float32: "float32", np.int64: "int64", np.float16: "float16"}[a.dtype.type]


def check(name, model, inputs, ref_model, tol, tmp):
    d = os.path.join(tmp, name)
    os.makedirs(d)
    path = os.path.join(d, "model.onnx")
    onnx.save(model, path)
    ref_path = path
    if ref_model is not None:
        ref_path = os.path.join(d, "ref_model.onnx")
        onnx.save(ref_model, ref_path)
    spec, args = [], []
    for k, v in inputs.items():
        f = os.path.join(d, re.sub(r"[^A-Za-z0-9._-]", "_", k) + ".in.npy")
        np.save(f, v)
        spec.append(f"{k}:{npy_type(v)}:{'x'.join(map(str, v.shape))}=npy({f})")
        args += ["--input", f"{k}={f}"]
    ref_dir, out_dir = os.path.join(d, "ref"), os.path.join(d, "out")
    r = subprocess.run(["node", ort_js, ref_path, ";".join(spec), "--iters", "1", "--dump", ref_dir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"{name}: ONNX Runtime failed: {r.stdout.strip()} {r.stderr.strip()}")
        return False
    r = subprocess.run([os.path.join(build, "bin", "onyx"), "run", path, *args, "--output-dir", out_dir],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print(f"{name}: onyx run FAILED: {r.stderr.strip()}")
        return False
    ok = True
    for ent in json.load(open(os.path.join(ref_dir, "index.json"))):
        if ent["kind"] != "out":
            continue
        ref = np.load(os.path.join(ref_dir, ent["file"])).astype(np.float64)
        got = np.load(os.path.join(out_dir, re.sub(r"[^A-Za-z0-9._-]", "_", ent["name"]) + ".npy"))
        if got.shape != ref.shape:
            print(f"{name}: output {ent['name']}: shape {got.shape}, ORT {ref.shape}")
            ok = False
            continue
        err = float(np.max(np.abs(got - ref))) if ref.size else 0.0
        scale = float(np.max(np.abs(ref))) if ref.size else 0.0
        good = err <= tol * max(scale, 1e-30)
        print(f"{name}: output {ent['name']} {list(got.shape)}: max abs err {err:.2e}, max |ref| {scale:.3g} "
              f"{'ok' if good else 'DIFFERS'}")
        ok = ok and good
    return ok


def main():
    if not os.path.exists(ort_js):
        print("exporter_styles: ../shared/tools/ort-run.js not found; skipping")
        return 0
    cases = {"tf2onnx": tf2onnx_model, "paddle": paddle_model, "fp16": fp16_models, "ortquant": ortquant_model}
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in cases.items():
            m, inputs, ref, tol = make()
            onnx.checker.check_model(m)
            bad += not check(name, m, inputs, ref, tol, tmp)
    print("exporter_styles: " + ("all match ONNX Runtime" if not bad else f"{bad} model(s) differ"))
    return 1 if bad else 0


sys.exit(main())
