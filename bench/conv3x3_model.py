#!/usr/bin/python3
"""Writes a chain of LAYERS x (3x3 Conv, pads 1, C -> C channels, + Relu) on a
[1, C, H, H] input, random constant weights: for timing the 3x3 convolution
paths (direct NCHWc or Winograd) in isolation, e.g.

    /usr/bin/python3 bench/conv3x3_model.py 64 56 4 /tmp/conv64.onnx
    build/bin/onyx bench /tmp/conv64.onnx --threads 1 --iters 200
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    if len(sys.argv) != 5:
        sys.exit("usage: conv3x3_model.py C H LAYERS OUT.onnx")
    c, h, layers, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    rng = np.random.default_rng(0)
    inits, nodes, x = [], [], "X"
    for i in range(layers):
        # Scaled so the activations keep their size through the chain.
        w = rng.standard_normal((c, c, 3, 3)).astype(np.float32) * (1.0 / np.sqrt(9 * c))
        inits.append(numpy_helper.from_array(w, f"W{i}"))
        inits.append(numpy_helper.from_array(rng.standard_normal((c,)).astype(np.float32) * 0.1, f"B{i}"))
        nodes.append(helper.make_node("Conv", [x, f"W{i}", f"B{i}"], [f"c{i}"], kernel_shape=[3, 3], pads=[1] * 4))
        nodes.append(helper.make_node("Relu", [f"c{i}"], [f"r{i}"]))
        x = f"r{i}"
    graph = helper.make_graph(nodes, "conv3x3", [helper.make_tensor_value_info("X", TensorProto.FLOAT, [1, c, h, h])],
                              [helper.make_tensor_value_info(x, TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, out)


if __name__ == "__main__":
    main()
