"""`import onyx as ort`: ONNX Runtime code runs unchanged but for the import line."""
import os
import subprocess
import sys

import numpy as np

import onyx as ort
from conftest import ROOT, SQUEEZENET, add_model


def test_quickstart_runs_unchanged():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)  # where this test found onyx
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "python" / "quickstart.py"), str(SQUEEZENET)],
                       cwd=str(ROOT), env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert "input: input tensor(float) ['batch', 3, 224, 224]" in r.stdout
    assert "output: output tensor(float) (1, 1000)" in r.stdout
    assert "top-1 class:" in r.stdout


def test_onnxruntime_names():
    for name in ["InferenceSession", "SessionOptions", "RunOptions", "GraphOptimizationLevel", "ExecutionMode",
                 "OrtValue", "IOBinding", "SessionIOBinding", "NodeArg", "ModelMetadata", "get_available_providers",
                 "get_all_providers", "get_device", "get_version_string", "set_default_logger_severity",
                 "set_default_logger_verbosity", "__version__"]:
        assert hasattr(ort, name), name


def test_capi_exception_modules():
    from onyx.capi.onnxruntime_pybind11_state import Fail, InvalidArgument, NoSuchFile, NotImplemented  # noqa: F401
    from onyx.capi import _pybind_state as C
    import onyx.capi.onnxruntime_pybind11_state as state

    assert InvalidArgument is ort.InvalidArgument is C.InvalidArgument
    assert ort.capi.onnxruntime_pybind11_state.InvalidGraph is ort.InvalidGraph
    assert state.EPFail is ort.EPFail and state.OnyxError is ort.OnyxError
    assert C.get_available_providers() == ["CPUExecutionProvider"]
    sess = ort.InferenceSession(add_model())
    try:
        sess.run(None, {"nope": np.zeros(1, np.float32)})
    except InvalidArgument as e:
        assert "'nope'" in str(e)
    else:
        raise AssertionError("no error for an unknown input name")


def test_typical_ort_usage():
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.intra_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    sess = ort.InferenceSession(str(SQUEEZENET), so, providers=ort.get_available_providers())
    input_name = sess.get_inputs()[0].name
    output_name = sess.get_outputs()[0].name
    x = np.zeros((1, 3, 224, 224), np.float32)
    (y,) = sess.run([output_name], {input_name: x})
    ortvalue = ort.OrtValue.ortvalue_from_numpy(x, "cpu", 0)
    (yv,) = sess.run_with_ort_values([output_name], {input_name: ortvalue})
    np.testing.assert_array_equal(y, yv.numpy())
