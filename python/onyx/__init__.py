"""Onyx: an inference engine for ONNX models, with ONNX Runtime's Python API.

Code written for ONNX Runtime runs after changing one line::

    import onyx as ort

    session = ort.InferenceSession("model.onnx", providers=["CPUExecutionProvider"])
    outputs = session.run(None, {session.get_inputs()[0].name: x})

The native part (``onyx._onyx``) is built on Onyx's public C API only.
"""

from onyx._onyx import (
    EngineError,
    EPFail,
    ExecutionMode,
    Fail,
    GraphOptimizationLevel,
    InvalidArgument,
    InvalidGraph,
    InvalidProtobuf,
    ModelLoaded,
    ModelMetadata,
    NodeArg,
    NoModel,
    NoSuchFile,
    NotImplemented,
    OnyxError,
    OrtValue,
    RunOptions,
    RuntimeException,
    SessionOptions,
    get_available_providers,
    get_device,
    get_version_string,
    set_default_logger_severity,
    set_default_logger_verbosity,
)
from onyx.session import InferenceSession, IOBinding, SessionIOBinding
from onyx import capi

__version__ = get_version_string()


def get_all_providers():
    """Every execution provider this build of Onyx knows (the ones it has)."""
    return get_available_providers()


__all__ = [
    "EPFail",
    "EngineError",
    "ExecutionMode",
    "Fail",
    "GraphOptimizationLevel",
    "IOBinding",
    "InferenceSession",
    "InvalidArgument",
    "InvalidGraph",
    "InvalidProtobuf",
    "ModelLoaded",
    "ModelMetadata",
    "NoModel",
    "NoSuchFile",
    "NodeArg",
    "NotImplemented",
    "OnyxError",
    "OrtValue",
    "RunOptions",
    "RuntimeException",
    "SessionIOBinding",
    "SessionOptions",
    "capi",
    "get_all_providers",
    "get_available_providers",
    "get_device",
    "get_version_string",
    "set_default_logger_severity",
    "set_default_logger_verbosity",
    "__version__",
]
