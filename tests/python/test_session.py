"""InferenceSession: creation from a path or bytes, metadata, run, and the errors each misuse gives."""
import gc
import pathlib

import numpy as np
import pytest

import onyx
from conftest import (
    SQUEEZENET,
    add_model,
    dangling_input_model,
    identity_model,
    relu_model,
    unknown_op_model,
)
from onnx import TensorProto


def test_session_from_path_str_pathlike_and_bytes(add_path):
    a = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.float32)
    want = a + np.array([10, 20, 30], dtype=np.float32)
    for source in (str(add_path), pathlib.Path(add_path), add_path.read_bytes(), bytearray(add_path.read_bytes())):
        sess = onyx.InferenceSession(source)
        (c,) = sess.run(None, {"A": a})
        np.testing.assert_array_equal(c, want)
        assert c.dtype == np.float32 and c.shape == (2, 3)


def test_session_from_bytes_does_not_keep_the_callers_buffer():
    data = bytearray(add_model())
    sess = onyx.InferenceSession(data)
    data[:] = b"\0" * len(data)  # the engine copied the bytes
    (c,) = sess.run(None, {"A": np.ones((1, 3), np.float32)})
    np.testing.assert_array_equal(c, [[11, 21, 31]])


def test_model_type_must_be_path_or_bytes():
    with pytest.raises(TypeError, match="Unable to load from type 'int'"):
        onyx.InferenceSession(42)


def test_inputs_outputs_and_overridable_initializers():
    sess = onyx.InferenceSession(add_model())
    (a,) = sess.get_inputs()
    assert (a.name, a.type, a.shape) == ("A", "tensor(float)", ["batch", 3])
    (c,) = sess.get_outputs()
    assert (c.name, c.type, c.shape) == ("C", "tensor(float)", ["batch", 3])
    (b,) = sess.get_overridable_initializers()
    assert (b.name, b.type, b.shape) == ("B", "tensor(float)", [3])
    assert isinstance(a, onyx.NodeArg)
    assert repr(a) == "NodeArg(name='A', type='tensor(float)', shape=['batch', 3])"
    assert str(a) == repr(a)


def test_unknown_dims_are_none():
    sess = onyx.InferenceSession(identity_model(TensorProto.INT64, shape=[None, 4]))
    assert sess.get_inputs()[0].shape == [None, 4]
    assert sess.get_inputs()[0].type == "tensor(int64)"


def test_modelmeta():
    meta = onyx.InferenceSession(add_model()).get_modelmeta()
    assert isinstance(meta, onyx.ModelMetadata)
    assert meta.producer_name == "onyx-pytest"
    assert meta.producer_version == "1.2"
    assert meta.graph_name == "add_graph"
    assert meta.domain == "ai.onyx.test"
    assert meta.description == "adds a bias"
    assert meta.version == 7
    assert meta.custom_metadata_map == {"author": "pytest", "license": "none"}


def test_override_an_initializer():
    sess = onyx.InferenceSession(add_model())
    a = np.zeros((1, 3), np.float32)
    (c,) = sess.run(["C"], {"A": a, "B": np.array([1, 2, 3], np.float32)})
    np.testing.assert_array_equal(c, [[1, 2, 3]])
    (c,) = sess.run(["C"], {"A": a})
    np.testing.assert_array_equal(c, [[10, 20, 30]])


def test_output_names_select_and_order():
    sess = onyx.InferenceSession(relu_model())
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    y, z = sess.run(None, {"X": x})
    np.testing.assert_array_equal(y, np.maximum(x, 0))
    np.testing.assert_array_equal(z, x + x)
    z2, y2 = sess.run(["Z", "Y"], {"X": x})
    np.testing.assert_array_equal(z2, z)
    np.testing.assert_array_equal(y2, y)
    assert len(sess.run([], {"X": x})) == 2  # [] means every output, as None does
    (only,) = sess.run(["Y"], {"X": x})
    np.testing.assert_array_equal(only, y)


def test_python_lists_and_scalars_take_the_declared_type():
    sess = onyx.InferenceSession(add_model())
    (c,) = sess.run(None, {"A": [[1, 2, 3]]})  # ints, converted to the declared float
    assert c.dtype == np.float32
    np.testing.assert_array_equal(c, [[11, 22, 33]])


def test_outputs_outlive_the_session(add_path):
    sess = onyx.InferenceSession(str(add_path))
    (c,) = sess.run(None, {"A": np.full((4, 3), 2, np.float32)})
    del sess
    gc.collect()
    np.testing.assert_array_equal(c, np.full((4, 3), 2, np.float32) + [10, 20, 30])
    c += 1  # the array owns (a reference to) its memory, and may be written
    np.testing.assert_array_equal(c[0], [13, 23, 33])


def test_results_of_two_runs_are_independent():
    sess = onyx.InferenceSession(add_model())
    (c1,) = sess.run(None, {"A": np.zeros((1, 3), np.float32)})
    (c2,) = sess.run(None, {"A": np.ones((1, 3), np.float32)})
    assert not np.shares_memory(c1, c2)
    np.testing.assert_array_equal(c1, [[10, 20, 30]])


def test_squeezenet_runs_and_matches_unoptimized_run(rng):
    sess = onyx.InferenceSession(str(SQUEEZENET))
    inp = sess.get_inputs()[0]
    shape = [d if isinstance(d, int) else 1 for d in inp.shape]
    x = rng.random(shape, dtype=np.float32)
    (y,) = sess.run(None, {inp.name: x})
    assert y.shape == (1, 1000) and y.dtype == np.float32 and np.isfinite(y).all()
    opts = onyx.SessionOptions()
    opts.graph_optimization_level = onyx.GraphOptimizationLevel.ORT_DISABLE_ALL
    (y0,) = onyx.InferenceSession(str(SQUEEZENET), sess_options=opts).run(None, {inp.name: x})
    np.testing.assert_allclose(y, y0, rtol=1e-4, atol=1e-4)
    assert int(np.argmax(y)) == int(np.argmax(y0))


# ---- errors -------------------------------------------------------------------------------


def test_missing_file_is_nosuchfile(tmp_path):
    with pytest.raises(onyx.NoSuchFile) as e:
        onyx.InferenceSession(str(tmp_path / "absent.onnx"))
    assert "absent.onnx" in str(e.value)


def test_corrupt_bytes_are_invalidprotobuf():
    with pytest.raises(onyx.InvalidProtobuf):
        onyx.InferenceSession(b"\xff\xff\xff\xff not a model at all")


def test_truncated_model_is_an_error(tmp_path):
    data = add_model()
    p = tmp_path / "truncated.onnx"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises((onyx.InvalidProtobuf, onyx.InvalidGraph)):
        onyx.InferenceSession(str(p))


def test_invalid_graph_names_the_node():
    with pytest.raises(onyx.InvalidGraph) as e:
        onyx.InferenceSession(dangling_input_model())
    assert "nowhere" in str(e.value) or "lost_relu" in str(e.value)


def test_op_without_kernel_is_notimplemented():
    with pytest.raises(onyx.NotImplemented) as e:
        onyx.InferenceSession(unknown_op_model())
    assert "FooBar" in str(e.value)


def test_wrong_input_name_names_it():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument) as e:
        sess.run(None, {"A": np.zeros((1, 3), np.float32), "Nope": np.zeros(1, np.float32)})
    assert "'Nope'" in str(e.value)


def test_missing_input_names_it():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument) as e:
        sess.run(None, {})
    assert "'A'" in str(e.value)


def test_wrong_input_type_names_it():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument) as e:
        sess.run(None, {"A": np.zeros((1, 3), np.float64)})
    assert "'A'" in str(e.value) and "float64" in str(e.value)


def test_wrong_input_shape_names_it():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument) as e:
        sess.run(None, {"A": np.zeros((1, 4), np.float32)})
    assert "'A'" in str(e.value)
    with pytest.raises(onyx.InvalidArgument) as e:
        sess.run(None, {"A": np.zeros((3,), np.float32)})
    assert "'A'" in str(e.value) and "rank" in str(e.value)


def test_unknown_output_name_names_it():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument) as e:
        sess.run(["Nope"], {"A": np.zeros((1, 3), np.float32)})
    assert "'Nope'" in str(e.value)


def test_bad_feed_containers():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument, match="dict"):
        sess.run(None, [np.zeros((1, 3), np.float32)])
    with pytest.raises(onyx.InvalidArgument, match="str"):
        sess.run("C", {"A": np.zeros((1, 3), np.float32)})
    with pytest.raises(onyx.InvalidArgument, match="'A'"):
        sess.run(None, {"A": np.zeros((1, 3), dtype="datetime64[s]")})
    with pytest.raises(onyx.InvalidArgument, match="'A'"):
        sess.run(None, {"A": [[1, 2], [3]]})  # ragged: not an array


def test_session_survives_errors():
    sess = onyx.InferenceSession(add_model())
    for _ in range(3):
        with pytest.raises(onyx.InvalidArgument):
            sess.run(None, {"A": np.zeros((1, 4), np.float32)})
    (c,) = sess.run(None, {"A": np.zeros((1, 3), np.float32)})
    np.testing.assert_array_equal(c, [[10, 20, 30]])


def test_error_classes_share_one_base():
    names = ["Fail", "InvalidArgument", "NoSuchFile", "NoModel", "EngineError", "RuntimeException",
             "InvalidProtobuf", "ModelLoaded", "NotImplemented", "InvalidGraph", "EPFail"]
    for name in names:
        cls = getattr(onyx, name)
        assert issubclass(cls, onyx.OnyxError) and issubclass(cls, RuntimeError)
        assert cls.__name__ == name
    assert len({getattr(onyx, n) for n in names}) == len(names)
