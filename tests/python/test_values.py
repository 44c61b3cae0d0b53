"""Values between numpy and the engine: every dtype, strings, zero-copy, sequences, maps, optionals, OrtValue."""
import numpy as np
import pytest
from onnx import TensorProto

import onyx
from conftest import add_model, identity_model, map_identity_model, optional_model, sequence_model

# numpy dtype -> ONNX element type, for every type numpy can hold.
DTYPES = [
    (np.float16, TensorProto.FLOAT16),
    (np.float32, TensorProto.FLOAT),
    (np.float64, TensorProto.DOUBLE),
    (np.int8, TensorProto.INT8),
    (np.int16, TensorProto.INT16),
    (np.int32, TensorProto.INT32),
    (np.int64, TensorProto.INT64),
    (np.uint8, TensorProto.UINT8),
    (np.uint16, TensorProto.UINT16),
    (np.uint32, TensorProto.UINT32),
    (np.uint64, TensorProto.UINT64),
    (np.bool_, TensorProto.BOOL),
    (np.complex64, TensorProto.COMPLEX64),
    (np.complex128, TensorProto.COMPLEX128),
]

ONNX_TYPE_NAMES = {
    np.float16: "float16", np.float32: "float", np.float64: "double", np.int8: "int8", np.int16: "int16",
    np.int32: "int32", np.int64: "int64", np.uint8: "uint8", np.uint16: "uint16", np.uint32: "uint32",
    np.uint64: "uint64", np.bool_: "bool", np.complex64: "complex64", np.complex128: "complex128",
}


def sample(dtype, n=7):
    if dtype == np.bool_:
        return np.arange(n) % 3 == 0
    if np.issubdtype(dtype, np.complexfloating):
        return (np.arange(n) + 1j * np.arange(n, 0, -1)).astype(dtype)
    if np.issubdtype(dtype, np.unsignedinteger):
        return np.iinfo(dtype).max - np.arange(n, dtype=dtype) * dtype(3)  # high bits set
    if np.issubdtype(dtype, np.signedinteger):
        return (np.arange(n) * 11 - 30).astype(dtype)
    return (np.arange(n) * 0.75 - 2).astype(dtype)


@pytest.mark.parametrize("dtype,elem", DTYPES, ids=[np.dtype(d).name for d, _ in DTYPES])
def test_every_numpy_dtype_round_trips(dtype, elem):
    sess = onyx.InferenceSession(identity_model(elem))
    assert sess.get_inputs()[0].type == "tensor(%s)" % ONNX_TYPE_NAMES[dtype]
    x = sample(dtype)
    (y,) = sess.run(None, {"X": x})
    assert y.dtype == np.dtype(dtype)
    np.testing.assert_array_equal(y, x)
    v = onyx.OrtValue.ortvalue_from_numpy(x)
    assert v.element_type() == elem
    assert v.data_type() == "tensor(%s)" % ONNX_TYPE_NAMES[dtype]


@pytest.mark.parametrize(
    "x",
    [
        np.array(["a", "héllo", "", "日本"], dtype=object),
        np.array(["a", "héllo", "", "日本"]),  # <U
        np.array([b"a", "héllo".encode(), b"", "日本".encode()]),  # S
        np.array([b"a", "héllo", "", "日本".encode()], dtype=object),  # bytes and str mixed
    ],
    ids=["object", "unicode", "bytes", "mixed"],
)
def test_string_inputs_and_object_outputs(x):
    sess = onyx.InferenceSession(identity_model(TensorProto.STRING))
    (y,) = sess.run(None, {"X": x})
    assert y.dtype == object and y.shape == (4,)
    assert list(y) == ["a", "héllo", "", "日本"]
    assert all(type(s) is str for s in y)


def test_string_tensor_of_rank_2_and_list_input():
    sess = onyx.InferenceSession(identity_model(TensorProto.STRING, shape=[2, 2]))
    (y,) = sess.run(None, {"X": [["a", "b"], ["c", "d"]]})
    assert y.shape == (2, 2) and y.tolist() == [["a", "b"], ["c", "d"]]


def test_object_array_of_non_strings_is_refused():
    sess = onyx.InferenceSession(identity_model(TensorProto.STRING))
    with pytest.raises(onyx.InvalidArgument, match="'X'.*element 1 .*int"):
        sess.run(None, {"X": np.array(["a", 5], dtype=object)})


def test_zero_copy_input_through_identity():
    sess = onyx.InferenceSession(identity_model(TensorProto.FLOAT))
    x = np.arange(16, dtype=np.float32)
    v = onyx.OrtValue.ortvalue_from_numpy(x)
    assert v.data_ptr() == x.ctypes.data  # the OrtValue wraps the array's own buffer
    (y,) = sess.run_with_ort_values(["Y"], {"X": v})
    # Identity hands its input through: the output is the caller's buffer, so
    # the engine read the input in place, without a copy.
    assert y.data_ptr() == x.ctypes.data
    assert np.shares_memory(y.numpy(), x)
    # Same through a plain array in run_with_ort_values.
    (y2,) = sess.run_with_ort_values(["Y"], {"X": x})
    assert y2.data_ptr() == x.ctypes.data


def test_zero_copy_output_keeps_input_alive():
    sess = onyx.InferenceSession(identity_model(TensorProto.FLOAT))
    (y,) = sess.run_with_ort_values(["Y"], {"X": np.arange(5, dtype=np.float32)})
    # The only reference to the input array is now held by the output.
    np.testing.assert_array_equal(y.numpy(), np.arange(5, dtype=np.float32))


def test_run_never_returns_an_alias_of_an_input():
    sess = onyx.InferenceSession(identity_model(TensorProto.FLOAT))
    x = np.arange(4, dtype=np.float32)
    (y,) = sess.run(None, {"X": x})
    assert not np.shares_memory(x, y)
    y[0] = 100
    assert x[0] == 0


def test_outputs_are_numpy_views_of_engine_memory():
    sess = onyx.InferenceSession(add_model())
    a = np.zeros((2, 3), np.float32)
    (c,) = sess.run(None, {"A": a})
    assert not c.flags.owndata and c.base is not None  # a view over the output handle
    assert c.flags.writeable and c.flags.c_contiguous
    (cv,) = sess.run_with_ort_values(None, {"A": a})
    view = cv.numpy()
    assert view.ctypes.data == cv.data_ptr()  # OrtValue.numpy() does not copy either


def test_non_contiguous_misaligned_and_big_endian_inputs():
    sess = onyx.InferenceSession(add_model())
    base = np.arange(24, dtype=np.float32).reshape(4, 6)
    strided = base[:, ::2]  # not contiguous
    assert not strided.flags.c_contiguous
    (c,) = sess.run(None, {"A": strided})
    np.testing.assert_array_equal(c, strided + [10, 20, 30])
    (c,) = sess.run(None, {"A": base.T[:3].T})  # Fortran order
    np.testing.assert_array_equal(c, base.T[:3].T + [10, 20, 30])
    big = strided.astype(">f4")
    (c,) = sess.run(None, {"A": big})
    np.testing.assert_array_equal(c, strided + [10, 20, 30])
    raw = np.zeros(4 * 6 + 1, np.uint8)
    misaligned = raw[1:].view(np.float32).reshape(2, 3)
    misaligned[:] = [[1, 2, 3], [4, 5, 6]]
    (c,) = sess.run(None, {"A": misaligned})
    np.testing.assert_array_equal(c, [[11, 22, 33], [14, 25, 36]])


def test_read_only_input():
    sess = onyx.InferenceSession(add_model())
    a = np.ones((1, 3), np.float32)
    a.flags.writeable = False
    (c,) = sess.run(None, {"A": a})
    np.testing.assert_array_equal(c, [[11, 21, 31]])


def test_scalar_and_empty_tensors():
    sess = onyx.InferenceSession(identity_model(TensorProto.FLOAT, shape=[]))
    (y,) = sess.run(None, {"X": np.float32(2.5)})
    assert y.shape == () and y == 2.5
    sess = onyx.InferenceSession(identity_model(TensorProto.INT64, shape=[0, 3]))
    (y,) = sess.run(None, {"X": np.zeros((0, 3), np.int64)})
    assert y.shape == (0, 3) and y.dtype == np.int64


def test_sequences_are_lists():
    sess = onyx.InferenceSession(sequence_model())
    assert [o.type for o in sess.get_outputs()] == ["seq(tensor(float))", "seq(tensor(float))"]
    assert sess.get_inputs()[2].type == "seq(tensor(float))" and sess.get_inputs()[2].shape == []
    a, b = np.array([1, 2], np.float32), np.array([3, 4, 5], np.float32)
    s, t = sess.run(None, {"A": a, "B": b, "Seq": [b, a, b]})
    assert isinstance(s, list) and len(s) == 2
    np.testing.assert_array_equal(s[0], a)
    np.testing.assert_array_equal(s[1], b)
    assert [x.tolist() for x in t] == [[3, 4, 5], [1, 2], [3, 4, 5]]
    assert not np.shares_memory(t[0], b)  # aliases of inputs are copied
    (seq,) = sess.run_with_ort_values(["S"], {"A": a, "B": b, "Seq": []})
    assert seq.is_tensor_sequence() and not seq.is_tensor()
    assert seq.data_type() == "seq(tensor(float))"
    assert [x.tolist() for x in seq.numpy()] == [[1, 2], [3, 4, 5]]


def test_sequence_input_must_be_a_list():
    sess = onyx.InferenceSession(sequence_model())
    a = np.array([1], np.float32)
    with pytest.raises(onyx.InvalidArgument, match="'Seq'.*list"):
        sess.run(["T"], {"A": a, "B": a, "Seq": a})


def test_optionals():
    sess = onyx.InferenceSession(optional_model())
    assert sess.get_inputs()[0].type == "optional(tensor(float))"
    h, n = sess.run(None, {"X": np.array([1, 2], np.float32)})
    assert h.dtype == np.bool_ and bool(h) is True
    assert n is None  # an empty optional comes back as None
    (h,) = sess.run(["H"], {"X": None})
    assert bool(h) is False
    (nv,) = sess.run_with_ort_values(["N"], {"X": None})
    assert not nv.has_value() and nv.numpy() is None


def test_none_for_a_tensor_input_is_refused():
    sess = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument, match="'A' is None"):
        sess.run(None, {"A": None})


def test_maps_are_dicts():
    sess = onyx.InferenceSession(map_identity_model())
    (m,) = sess.get_inputs()
    assert m.type == "map(string,tensor(float))"
    (out,) = sess.run(None, {"M": {"a": 1.5, "b": -2.0}})
    assert out == {"a": 1.5, "b": -2.0}
    sess = onyx.InferenceSession(map_identity_model(TensorProto.INT64, TensorProto.DOUBLE))
    (out,) = sess.run(None, {"M": {3: 0.25, 7: 8}})
    assert out == {3: 0.25, 7: 8.0}
    with pytest.raises(onyx.InvalidArgument, match="'M'.*dict"):
        sess.run(None, {"M": [1, 2]})


# ---- OrtValue -----------------------------------------------------------------------------


def test_ortvalue_api():
    x = np.arange(6, dtype=np.int32).reshape(2, 3)
    v = onyx.OrtValue.ortvalue_from_numpy(x)
    assert v.shape() == [2, 3]
    assert v.data_type() == "tensor(int32)"
    assert v.element_type() == TensorProto.INT32
    assert v.is_tensor() and v.has_value() and not v.is_tensor_sequence()
    assert v.device_name() == "cpu"
    np.testing.assert_array_equal(v.numpy(), x)
    assert np.shares_memory(v.numpy(), x)
    v.update_inplace(np.full((2, 3), 9, np.int32))
    assert (x == 9).all()  # the OrtValue is the array's buffer
    assert "tensor(int32)" in repr(v)

    z = onyx.OrtValue.ortvalue_from_shape_and_type([3, 2], np.float64)
    assert z.shape() == [3, 2] and z.data_type() == "tensor(double)"
    np.testing.assert_array_equal(z.numpy(), np.zeros((3, 2)))
    s = onyx.OrtValue.ortvalue_from_shape_and_type([2], "object")
    assert s.data_type() == "tensor(string)"
    s.update_inplace(np.array(["x", "yz"], dtype=object))
    assert s.numpy().tolist() == ["x", "yz"]
    t = onyx.OrtValue.ortvalue_from_numpy(np.array(["p", "q"]))
    assert t.numpy().tolist() == ["p", "q"]


def test_ortvalue_errors():
    with pytest.raises(onyx.InvalidArgument, match="cuda"):
        onyx.OrtValue.ortvalue_from_numpy(np.zeros(2, np.float32), "cuda", 0)
    with pytest.raises(onyx.InvalidArgument):
        onyx.OrtValue.ortvalue_from_shape_and_type([2, -1], np.float32)
    with pytest.raises(onyx.InvalidArgument):
        onyx.OrtValue.ortvalue_from_shape_and_type([2], "datetime64[s]")
    v = onyx.OrtValue.ortvalue_from_numpy(np.zeros(3, np.float32))
    with pytest.raises(onyx.InvalidArgument):
        v.update_inplace(np.zeros(4, np.float32))
    with pytest.raises(TypeError):
        onyx.OrtValue()  # made by the factories only


def test_ortvalue_numpy_outlives_the_ortvalue():
    sess = onyx.InferenceSession(add_model())
    (v,) = sess.run_with_ort_values(None, {"A": np.zeros((1, 3), np.float32)})
    arr = v.numpy()
    del v, sess
    np.testing.assert_array_equal(arr, [[10, 20, 30]])


def test_ortvalue_inputs_to_run():
    sess = onyx.InferenceSession(add_model())
    a = onyx.OrtValue.ortvalue_from_numpy(np.ones((2, 3), np.float32))
    (c,) = sess.run(None, {"A": a})
    np.testing.assert_array_equal(c, np.ones((2, 3)) + [10, 20, 30])
