"""The native module under the name ONNX Runtime code imports it by, e.g.

    from onyx.capi.onnxruntime_pybind11_state import InvalidArgument, Fail

Every exception class (Fail, InvalidArgument, NoSuchFile, NoModel, EngineError,
RuntimeException, InvalidProtobuf, ModelLoaded, NotImplemented, InvalidGraph,
EPFail, and their base OnyxError) and every other public name of onyx._onyx.
"""

from onyx._onyx import *  # noqa: F401,F403
