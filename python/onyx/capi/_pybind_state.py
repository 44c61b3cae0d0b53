"""ONNX Runtime's other name for its native module (``onnxruntime.capi._pybind_state``)."""

from onyx._onyx import *  # noqa: F401,F403
