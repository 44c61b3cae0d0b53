"""Writes the small models and .npy files tests/cli/test_cli.sh runs the CLI on.

Usage: /usr/bin/python3 tests/cli/make_models.py OUT_DIR
Needs Debian's python3-onnx and python3-numpy (tools/install-deps.sh --test).
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def save(model, path):
    onnx.checker.check_model(model)
    onnx.save(model, path)


def main(out):
    os.makedirs(out, exist_ok=True)
    op17 = [helper.make_opsetid("", 17)]

    # add.onnx: x float[N,3] + bias -> "out:0/y"; Relu of it -> "relu out".
    bias = numpy_helper.from_array(np.array([1.0, 2.0, 3.0], dtype=np.float32), "bias")
    g = helper.make_graph(
        [helper.make_node("Add", ["x", "bias"], ["out:0/y"], name="add"),
         helper.make_node("Relu", ["out:0/y"], ["relu out"], name="relu")],
        "add_graph",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3])],
        [helper.make_tensor_value_info("out:0/y", TensorProto.FLOAT, ["N", 3]),
         helper.make_tensor_value_info("relu out", TensorProto.FLOAT, ["N", 3])],
        [bias])
    save(helper.make_model(g, opset_imports=op17, producer_name="cli-test", producer_version="3.1"),
         os.path.join(out, "add.onnx"))

    # ids.onnx: BERT-like integer inputs passed through.
    g = helper.make_graph(
        [helper.make_node("Identity", ["input_ids"], ["ids_out"]),
         helper.make_node("Identity", ["attention_mask"], ["mask_out"]),
         helper.make_node("Identity", ["token_type_ids"], ["type_out"])],
        "ids_graph",
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
         for n in ("input_ids", "attention_mask", "token_type_ids")],
        [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "seq"])
         for n in ("ids_out", "mask_out", "type_out")])
    save(helper.make_model(g, opset_imports=op17), os.path.join(out, "ids.onnx"))

    # strings.onnx: a string tensor passed through.
    g = helper.make_graph(
        [helper.make_node("Identity", ["s"], ["s_out"])], "string_graph",
        [helper.make_tensor_value_info("s", TensorProto.STRING, [2])],
        [helper.make_tensor_value_info("s_out", TensorProto.STRING, [2])])
    save(helper.make_model(g, opset_imports=op17), os.path.join(out, "strings.onnx"))

    # unknown.onnx: an op no engine has, inside and outside an If.
    then_g = helper.make_graph([helper.make_node("Relu", ["f"], ["t"])], "then", [],
                               [helper.make_tensor_value_info("t", TensorProto.FLOAT, ["n"])])
    else_g = helper.make_graph([helper.make_node("Neg", ["f"], ["e"])], "else", [],
                               [helper.make_tensor_value_info("e", TensorProto.FLOAT, ["n"])])
    g = helper.make_graph(
        [helper.make_node("FooBar", ["x"], ["f"], domain="com.example"),
         helper.make_node("If", ["c"], ["y"], then_branch=then_g, else_branch=else_g)],
        "unknown_graph",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n"]),
         helper.make_tensor_value_info("c", TensorProto.BOOL, [])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n"])])
    m = helper.make_model(g, opset_imports=op17 + [helper.make_opsetid("com.example", 1)])
    onnx.save(m, os.path.join(out, "unknown.onnx"))

    with open(os.path.join(out, "corrupt.onnx"), "wb") as f:
        f.write(b"\x08\x07\x12\xff\xff\xff\xff\x0fthis is not a model")

    x = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
    np.save(os.path.join(out, "x.npy"), x)
    np.save(os.path.join(out, "x_int64.npy"), x.astype(np.int64))
    np.save(os.path.join(out, "x_wide.npy"), np.zeros((2, 4), np.float32))
    np.save(os.path.join(out, "x_rank1.npy"), np.zeros(3, np.float32))
    np.save(os.path.join(out, "x_fortran.npy"), np.asfortranarray(np.ones((2, 3), np.float32)))
    np.save(os.path.join(out, "x_big.npy"), x.astype(">f4"))
    np.save(os.path.join(out, "x_object.npy"), np.array([1, "a"], dtype=object), allow_pickle=True)
    for version in ((2, 0), (3, 0)):
        with open(os.path.join(out, "x_v%d.npy" % version[0]), "wb") as f:
            np.lib.format.write_array(f, x, version=version)
    with open(os.path.join(out, "x_truncated.npy"), "wb") as f:
        data = open(os.path.join(out, "x.npy"), "rb").read()
        f.write(data[:-5])
    np.save(os.path.join(out, "s.npy"), np.array(["héllo", "wörld!"]))


if __name__ == "__main__":
    main(sys.argv[1])
