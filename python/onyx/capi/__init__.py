"""ONNX Runtime's ``capi`` package layout: ``onyx.capi.onnxruntime_pybind11_state``
holds the exception classes (and the rest of the native API) under the names
code written for ``onnxruntime.capi`` imports."""
