"""SessionOptions, RunOptions, providers, profiling and the module-level functions."""
import copy
import json
import os
import threading

import numpy as np
import onnx
import pytest

import onyx
from conftest import SQUEEZENET, add_model, relu_model


def test_session_options_defaults_and_setters():
    so = onyx.SessionOptions()
    assert so.graph_optimization_level == onyx.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert so.intra_op_num_threads == 0 and so.inter_op_num_threads == 0
    assert so.execution_mode == onyx.ExecutionMode.ORT_SEQUENTIAL
    assert so.optimized_model_filepath == "" and so.enable_profiling is False
    assert so.log_severity_level == -1 and so.log_verbosity_level == 0
    assert so.enable_cpu_mem_arena is True and so.enable_mem_pattern is True
    so.intra_op_num_threads = 2
    so.inter_op_num_threads = 1
    so.execution_mode = onyx.ExecutionMode.ORT_PARALLEL
    so.log_severity_level = 3
    so.log_verbosity_level = 1
    so.enable_cpu_mem_arena = False
    so.enable_mem_pattern = False
    so.graph_optimization_level = onyx.GraphOptimizationLevel.ORT_ENABLE_BASIC
    sess = onyx.InferenceSession(add_model(), sess_options=so)
    got = sess.get_session_options()
    assert got.intra_op_num_threads == 2 and got.inter_op_num_threads == 1
    assert got.execution_mode == onyx.ExecutionMode.ORT_PARALLEL
    assert got.log_severity_level == 3 and got.log_verbosity_level == 1
    assert got.enable_cpu_mem_arena is False and got.enable_mem_pattern is False
    assert got.graph_optimization_level == onyx.GraphOptimizationLevel.ORT_ENABLE_BASIC
    so.intra_op_num_threads = 5  # the session keeps its own copy
    assert sess.get_session_options().intra_op_num_threads == 2
    (c,) = sess.run(None, {"A": np.zeros((1, 3), np.float32)})
    np.testing.assert_array_equal(c, [[10, 20, 30]])


def test_copy_of_session_options():
    so = onyx.SessionOptions()
    so.add_session_config_entry("k", "v")
    so.intra_op_num_threads = 3
    for c in (copy.copy(so), copy.deepcopy(so)):
        assert c.intra_op_num_threads == 3 and c.get_session_config_entry("k") == "v"
        c.intra_op_num_threads = 1
        assert so.intra_op_num_threads == 3


@pytest.mark.parametrize("level", list(onyx.GraphOptimizationLevel.__members__.values()))
def test_every_optimization_level_gives_the_same_answer(level):
    so = onyx.SessionOptions()
    so.graph_optimization_level = level
    sess = onyx.InferenceSession(relu_model(), sess_options=so)
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    y, z = sess.run(None, {"X": x})
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    np.testing.assert_array_equal(z, 2 * x)


def test_graph_optimization_level_names():
    assert [m for m in onyx.GraphOptimizationLevel.__members__] == [
        "ORT_DISABLE_ALL", "ORT_ENABLE_BASIC", "ORT_ENABLE_EXTENDED", "ORT_ENABLE_ALL"]
    assert int(onyx.GraphOptimizationLevel.ORT_ENABLE_ALL) == 99
    assert [m for m in onyx.ExecutionMode.__members__] == ["ORT_SEQUENTIAL", "ORT_PARALLEL"]


def test_bad_option_values():
    so = onyx.SessionOptions()
    with pytest.raises(onyx.InvalidArgument):
        so.log_severity_level = 7
    so.intra_op_num_threads = -2
    with pytest.raises(onyx.InvalidArgument, match="-2"):
        onyx.InferenceSession(add_model(), sess_options=so)
    with pytest.raises(TypeError):
        onyx.InferenceSession(add_model(), sess_options="fast please")
    with pytest.raises(TypeError):
        so.graph_optimization_level = 5  # an enum, as in ONNX Runtime


def test_session_config_entries():
    so = onyx.SessionOptions()
    so.add_session_config_entry("session.intra_op.allow_spinning", "0")
    so.add_session_config_entry("custom.key", "a")
    so.add_session_config_entry("custom.key", "b")  # a later value replaces the earlier one
    assert so.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    assert so.get_session_config_entry("custom.key") == "b"
    with pytest.raises(onyx.InvalidArgument, match="no.such"):
        so.get_session_config_entry("no.such")
    with pytest.raises(onyx.InvalidArgument):
        so.add_session_config_entry("", "x")
    sess = onyx.InferenceSession(add_model(), sess_options=so)
    assert sess.get_session_options().get_session_config_entry("custom.key") == "b"


def _matmul_kernels(tmp_path, reference):
    """The kernel names the profile gives the MatMul node of a session."""
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"], name="mm")],
        "mm",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3]),
         helper.make_tensor_value_info("W", TensorProto.FLOAT, [3, 2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 2])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    so = onyx.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / ("ref" if reference else "fast"))
    if reference is not None:
        so.add_session_config_entry("session.use_reference_kernels", reference)
    sess = onyx.InferenceSession(model.SerializeToString(), sess_options=so)
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    w = np.ones((3, 2), np.float32)
    (y,) = sess.run(None, {"X": x, "W": w})
    np.testing.assert_array_equal(y, x @ w)
    with open(sess.end_profiling()) as f:
        events = json.load(f)
    return {e["args"]["kernel"] for e in events if e["args"].get("op_name") == "MatMul"}


def test_reference_kernels_config_entry(tmp_path):
    assert _matmul_kernels(tmp_path, None) == {"sgemm"}
    assert _matmul_kernels(tmp_path, "1") == {"reference"}
    assert _matmul_kernels(tmp_path, "0") == {"sgemm"}
    so = onyx.SessionOptions()
    so.add_session_config_entry("session.use_reference_kernels", "on")
    with pytest.raises(onyx.InvalidArgument, match="session.use_reference_kernels.*'on'"):
        onyx.InferenceSession(add_model(), sess_options=so)


def test_mem_pattern_on_and_off_agree():
    # Outputs with the memory pattern (runs 2+ of a shape take an arena) are
    # those without it, and outputs kept from earlier runs stay intact.
    model = onnx.load_from_string(add_model())
    on = onyx.InferenceSession(model.SerializeToString())
    so = onyx.SessionOptions()
    so.enable_mem_pattern = False
    off = onyx.InferenceSession(model.SerializeToString(), sess_options=so)
    rng = np.random.default_rng(0)
    kept = []
    for batch in [4, 4, 7, 4, 7, 7]:
        a = rng.standard_normal((batch, 3)).astype(np.float32)
        (want,) = off.run(None, {"A": a})
        (got,) = on.run(None, {"A": a})
        np.testing.assert_array_equal(got, want)
        kept.append((got, want.copy()))
    for got, want in kept:
        np.testing.assert_array_equal(got, want)
    so = onyx.SessionOptions()
    so.add_session_config_entry("session.enable_mem_pattern", "no")
    with pytest.raises(onyx.InvalidArgument, match="session.enable_mem_pattern.*'no'"):
        onyx.InferenceSession(add_model(), sess_options=so)


def test_optimized_model_filepath(tmp_path):
    so = onyx.SessionOptions()
    out = tmp_path / "optimized.onnx"
    so.optimized_model_filepath = str(out)
    sess = onyx.InferenceSession(str(SQUEEZENET), sess_options=so)
    assert out.exists()
    onnx.checker.check_model(onnx.load(str(out)))
    x = np.random.default_rng(5).random((1, 3, 224, 224), dtype=np.float32)
    (y,) = sess.run(None, {"input": x})
    (y2,) = onyx.InferenceSession(str(out)).run(None, {"input": x})
    np.testing.assert_allclose(y, y2, rtol=1e-5, atol=1e-5)


def test_profiling_writes_a_chrome_trace(tmp_path):
    so = onyx.SessionOptions()
    so.enable_profiling = True
    so.profile_file_prefix = str(tmp_path / "trace")
    sess = onyx.InferenceSession(relu_model(), sess_options=so)
    for _ in range(3):
        sess.run(None, {"X": np.ones((2, 3), np.float32)})
    path = sess.end_profiling()
    assert os.path.basename(path).startswith("trace") and path.endswith(".json")
    with open(path) as f:
        trace = json.load(f)
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    names = json.dumps(events)
    assert "relu_node" in names and "twice" in names
    assert sess.end_profiling() == ""  # already ended


def test_profiling_off_gives_no_file():
    sess = onyx.InferenceSession(add_model())
    assert sess.end_profiling() == ""


def test_run_options():
    ro = onyx.RunOptions()
    assert ro.terminate is False and ro.run_tag == ""
    ro.run_tag = "request-17"
    ro.log_severity_level = 3
    ro.log_verbosity_level = 2
    assert (ro.run_tag, ro.log_severity_level, ro.log_verbosity_level) == ("request-17", 3, 2)
    with pytest.raises(onyx.InvalidArgument):
        ro.log_severity_level = -5
    sess = onyx.InferenceSession(add_model())
    a = np.zeros((1, 3), np.float32)
    (c,) = sess.run(None, {"A": a}, ro)
    np.testing.assert_array_equal(c, [[10, 20, 30]])
    ro.terminate = True
    assert ro.terminate is True
    with pytest.raises(onyx.Fail):
        sess.run(None, {"A": a}, run_options=ro)
    ro.terminate = False
    (c,) = sess.run(None, {"A": a}, run_options=ro)
    np.testing.assert_array_equal(c, [[10, 20, 30]])


def test_terminate_from_another_thread_stops_only_that_run():
    sess = onyx.InferenceSession(str(SQUEEZENET))
    x = np.zeros((1, 3, 224, 224), np.float32)
    ro = onyx.RunOptions()
    ro.terminate = True
    errors = []

    def worker():
        try:
            sess.run(None, {"input": x}, ro)
        except onyx.Fail as e:
            errors.append(e)

    t = threading.Thread(target=worker)
    t.start()
    t.join()
    assert len(errors) == 1
    (y,) = sess.run(None, {"input": x})  # other runs are unaffected
    assert y.shape == (1, 1000)


def test_providers():
    assert onyx.get_available_providers() == ["CPUExecutionProvider"]
    assert "CPUExecutionProvider" in onyx.get_all_providers()
    assert onyx.get_device() == "CPU"
    sess = onyx.InferenceSession(add_model(), providers=["CPUExecutionProvider"])
    assert sess.get_providers() == ["CPUExecutionProvider"]
    assert sess.get_provider_options() == {"CPUExecutionProvider": {}}
    sess = onyx.InferenceSession(add_model(), providers=[("CPUExecutionProvider", {"arena_extend_strategy": 1})])
    assert sess.get_provider_options() == {"CPUExecutionProvider": {"arena_extend_strategy": "1"}}
    sess = onyx.InferenceSession(add_model(), providers=["CPUExecutionProvider"],
                                 provider_options=[{"use_arena": True}])
    assert sess.get_provider_options() == {"CPUExecutionProvider": {"use_arena": "True"}}
    with pytest.warns(UserWarning, match="CUDAExecutionProvider"):
        sess = onyx.InferenceSession(add_model(), providers=["CUDAExecutionProvider", "CPUExecutionProvider"])
    assert sess.get_providers() == ["CPUExecutionProvider"]
    with pytest.raises(ValueError):
        onyx.InferenceSession(add_model(), providers=["CPUExecutionProvider"], provider_options=[{}, {}])
    with pytest.raises(ValueError):
        onyx.InferenceSession(add_model(), providers="CPUExecutionProvider")
    sess.set_providers(["CPUExecutionProvider"], [{"a": "b"}])
    assert sess.get_provider_options() == {"CPUExecutionProvider": {"a": "b"}}


def test_version_and_logging():
    assert onyx.__version__ == onyx.get_version_string()
    assert onyx.__version__.count(".") == 2
    onyx.set_default_logger_severity(3)
    onyx.InferenceSession(add_model())
    onyx.set_default_logger_severity(2)
    onyx.set_default_logger_verbosity(0)
    with pytest.raises(onyx.InvalidArgument):
        onyx.set_default_logger_severity(9)
