"""ONNX Runtime's Python quick start, unchanged but for its import line.

    PYTHONPATH=build/python /usr/bin/python3 examples/python/quickstart.py [MODEL]

Creates a session, reads the first input's name and shape, runs the model on
random data and prints the output.
"""
import sys

import numpy as np
import onyx as ort  # the one changed line; was: import onnxruntime as ort

model_path = sys.argv[1] if len(sys.argv) > 1 else "models/squeezenet1_1.onnx"
session = ort.InferenceSession(model_path, providers=["CPUExecutionProvider"])

input_meta = session.get_inputs()[0]
print("input:", input_meta.name, input_meta.type, input_meta.shape)
# Symbolic dims (str) and unknown ones (None) get size 1.
shape = [dim if isinstance(dim, int) else 1 for dim in input_meta.shape]
x = np.random.rand(*shape).astype(np.float32)

outputs = session.run(None, {input_meta.name: x})
output_meta = session.get_outputs()[0]
print("output:", output_meta.name, output_meta.type, outputs[0].shape)
print(outputs[0])
print("top-1 class:", int(np.argmax(outputs[0])))
