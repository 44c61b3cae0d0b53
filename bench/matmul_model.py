#!/usr/bin/python3
"""Writes a one-node model Y = MatMul(X [N, N], W [N, N]) with a random
constant W, for comparing the GEMMs of Onyx and ONNX Runtime in isolation:

    /usr/bin/python3 bench/matmul_model.py 1024 /tmp/mm1024.onnx
    build/bin/onyx bench /tmp/mm1024.onnx --threads 1 --iters 20
    node ../shared/tools/ort-run.js /tmp/mm1024.onnx --threads 1 --iters 20
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: matmul_model.py N OUT.onnx")
    n, out = int(sys.argv[1]), sys.argv[2]
    w = numpy_helper.from_array(np.random.default_rng(0).random((n, n), dtype=np.float32) - 0.5, "W")
    graph = helper.make_graph([helper.make_node("MatMul", ["X", "W"], ["Y"])], "matmul",
                              [helper.make_tensor_value_info("X", TensorProto.FLOAT, [n, n])],
                              [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [n, n])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, out)


if __name__ == "__main__":
    main()
