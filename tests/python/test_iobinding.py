"""io_binding(): inputs and outputs bound ahead of run_with_iobinding."""
import numpy as np
import pytest

import onyx
from conftest import add_model, relu_model


def test_bind_cpu_input_and_engine_allocated_output():
    sess = onyx.InferenceSession(add_model())
    io = sess.io_binding()
    assert isinstance(io, onyx.IOBinding) and isinstance(io, onyx.SessionIOBinding)
    a = np.ones((2, 3), np.float32)
    io.bind_cpu_input("A", a)
    io.bind_output("C")
    io.synchronize_inputs()
    sess.run_with_iobinding(io)
    io.synchronize_outputs()
    (c,) = io.copy_outputs_to_cpu()
    np.testing.assert_array_equal(c, a + [10, 20, 30])
    (v,) = io.get_outputs()
    assert isinstance(v, onyx.OrtValue) and v.shape() == [2, 3]
    assert not np.shares_memory(c, v.numpy())  # copy_outputs_to_cpu copies
    # Rebinding an input replaces it; the output binding stays.
    io.bind_cpu_input("A", np.zeros((1, 3), np.float32))
    sess.run_with_iobinding(io)
    np.testing.assert_array_equal(io.copy_outputs_to_cpu()[0], [[10, 20, 30]])


def test_bind_input_by_pointer_and_output_into_a_caller_buffer():
    sess = onyx.InferenceSession(add_model())
    io = sess.io_binding()
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    io.bind_input("A", "cpu", 0, np.float32, [2, 3], a.ctypes.data)
    out = np.empty((2, 3), np.float32)
    io.bind_output("C", "cpu", 0, np.float32, list(out.shape), out.ctypes.data)
    sess.run_with_iobinding(io)
    np.testing.assert_array_equal(out, a + [10, 20, 30])  # written into the caller's buffer
    (v,) = io.get_outputs()
    assert v.data_ptr() == out.ctypes.data


def test_bind_ortvalues():
    sess = onyx.InferenceSession(relu_model())
    io = sess.io_binding()
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    io.bind_ortvalue_input("X", onyx.OrtValue.ortvalue_from_numpy(x))
    y = onyx.OrtValue.ortvalue_from_shape_and_type([2, 3], np.float32)
    io.bind_ortvalue_output("Y", y)
    io.bind_output("Z")
    sess.run_with_iobinding(io, onyx.RunOptions())
    got_y, got_z = io.get_outputs()
    assert got_y is y
    np.testing.assert_array_equal(y.numpy(), np.maximum(x, 0))
    np.testing.assert_array_equal(got_z.numpy(), 2 * x)
    yy, zz = io.copy_outputs_to_cpu()
    np.testing.assert_array_equal(yy, np.maximum(x, 0))


def test_binding_errors():
    sess = onyx.InferenceSession(add_model())
    io = sess.io_binding()
    io.bind_cpu_input("A", np.ones((2, 3), np.float32))
    with pytest.raises(onyx.InvalidArgument, match="no output"):
        sess.run_with_iobinding(io)
    wrong = onyx.OrtValue.ortvalue_from_shape_and_type([5], np.float32)
    io.bind_ortvalue_output("C", wrong)
    with pytest.raises(onyx.InvalidArgument, match="'C'.*\\[5\\]"):
        sess.run_with_iobinding(io)
    io.clear_binding_outputs()
    io.bind_output("C")
    io.clear_binding_inputs()
    with pytest.raises(onyx.InvalidArgument, match="'A'"):
        sess.run_with_iobinding(io)
    with pytest.raises(onyx.InvalidArgument, match="cuda"):
        io.bind_output("C", "cuda", 0)
    with pytest.raises(onyx.InvalidArgument):
        io.bind_output("C", "cpu", 0, np.float32, None, 1234)  # a buffer needs a shape
    with pytest.raises(onyx.InvalidArgument):
        io.bind_ortvalue_input("A", np.ones(3))
    other = onyx.InferenceSession(add_model())
    with pytest.raises(onyx.InvalidArgument):
        other.run_with_iobinding(io)
