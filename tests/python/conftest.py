"""Small models for the Python module's tests, built with onnx.helper.

Run the suite with the module built by `make`:
    PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python -q
"""
import pathlib

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

ROOT = pathlib.Path(__file__).resolve().parents[2]
SQUEEZENET = ROOT / "models" / "squeezenet1_1.onnx"
OPSET = 17


def model_bytes(nodes, inputs, outputs, initializers=(), opset=OPSET, graph_name="g", **model_fields):
    """A serialized ModelProto. model_fields: producer_name, doc_string, domain, model_version ..."""
    graph = helper.make_graph(nodes, graph_name, inputs, outputs, initializer=list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], **model_fields)
    model.ir_version = 8
    return model.SerializeToString()


def add_model():
    """C = A + B. A: float[batch, 3]; B: float[3] = (10, 20, 30), an initializer
    also listed as an input (so overridable); with metadata."""
    b = helper.make_tensor("B", TensorProto.FLOAT, [3], [10.0, 20.0, 30.0])
    proto = onnx.load_from_string(
        model_bytes(
            [helper.make_node("Add", ["A", "B"], ["C"], name="add_node")],
            [
                helper.make_tensor_value_info("A", TensorProto.FLOAT, ["batch", 3]),
                helper.make_tensor_value_info("B", TensorProto.FLOAT, [3]),
            ],
            [helper.make_tensor_value_info("C", TensorProto.FLOAT, ["batch", 3])],
            initializers=[b],
            graph_name="add_graph",
            producer_name="onyx-pytest",
            producer_version="1.2",
            domain="ai.onyx.test",
            model_version=7,
            doc_string="adds a bias",
        )
    )
    helper.set_model_props(proto, {"author": "pytest", "license": "none"})
    return proto.SerializeToString()


def identity_model(elem_type, shape=("n",)):
    """Y = Identity(X) for one element type; X, Y: T[shape]."""
    return model_bytes(
        [helper.make_node("Identity", ["X"], ["Y"], name="identity_node")],
        [helper.make_tensor_value_info("X", elem_type, list(shape))],
        [helper.make_tensor_value_info("Y", elem_type, list(shape))],
    )


def relu_model():
    """Y = Relu(X), X: float[2, 3] (fixed shape), Z = X + X."""
    return model_bytes(
        [helper.make_node("Relu", ["X"], ["Y"], name="relu_node"), helper.make_node("Add", ["X", "X"], ["Z"], name="twice")],
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
        [
            helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2, 3]),
            helper.make_tensor_value_info("Z", TensorProto.FLOAT, [2, 3]),
        ],
    )


def sequence_model():
    """S = SequenceConstruct(A, B); T = Identity(Seq) with Seq: seq(tensor(float))."""
    return model_bytes(
        [
            helper.make_node("SequenceConstruct", ["A", "B"], ["S"], name="construct"),
            helper.make_node("Identity", ["Seq"], ["T"], name="seq_identity"),
        ],
        [
            helper.make_tensor_value_info("A", TensorProto.FLOAT, [None]),
            helper.make_tensor_value_info("B", TensorProto.FLOAT, [None]),
            helper.make_tensor_sequence_value_info("Seq", TensorProto.FLOAT, None),
        ],
        [
            helper.make_tensor_sequence_value_info("S", TensorProto.FLOAT, None),
            helper.make_tensor_sequence_value_info("T", TensorProto.FLOAT, None),
        ],
    )


def optional_model():
    """H = OptionalHasElement(X) with X: optional(tensor(float)); N = an empty optional."""
    opt = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))
    empty = helper.make_node("Optional", [], ["N"], name="make_none",
                             type=helper.make_tensor_type_proto(TensorProto.FLOAT, [2]))
    return model_bytes(
        [helper.make_node("OptionalHasElement", ["X"], ["H"], name="has"), empty],
        [helper.make_value_info("X", opt)],
        [helper.make_tensor_value_info("H", TensorProto.BOOL, []), helper.make_value_info("N", opt)],
    )


def map_type(key_type, value_elem):
    tp = onnx.TypeProto()
    tp.map_type.key_type = key_type
    tp.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(value_elem, None))
    return tp


def map_identity_model(key_type=TensorProto.STRING, value_elem=TensorProto.FLOAT):
    """M2 = Identity(M): a map passed through."""
    tp = map_type(key_type, value_elem)
    return model_bytes(
        [helper.make_node("Identity", ["M"], ["M2"], name="map_identity")],
        [helper.make_value_info("M", tp)],
        [helper.make_value_info("M2", tp)],
    )


def unknown_op_model():
    """A node of domain com.example that no kernel implements."""
    graph = helper.make_graph(
        [helper.make_node("FooBar", ["X"], ["Y"], name="mystery", domain="com.example")],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", OPSET), helper.make_opsetid("com.example", 1)]
    )
    model.ir_version = 8
    return model.SerializeToString()


def dangling_input_model():
    """Relu reads 'nowhere', which nothing produces: an invalid graph."""
    return model_bytes(
        [helper.make_node("Relu", ["nowhere"], ["Y"], name="lost_relu")],
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [2])],
    )


@pytest.fixture
def add_path(tmp_path):
    p = tmp_path / "add.onnx"
    p.write_bytes(add_model())
    return p


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def long_loop_model(trip_count=10**8):
    """V = Loop(trip_count) of V + 1 on a float scalar: runs for a very long
    time unless terminated (RunOptions.terminate)."""
    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond_in"], ["cond_out"], name="keep_going"),
            helper.make_node("Add", ["v_in", "one"], ["v_out"], name="step"),
        ],
        "body",
        [
            helper.make_tensor_value_info("i", TensorProto.INT64, []),
            helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_in", TensorProto.FLOAT, []),
        ],
        [
            helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []),
            helper.make_tensor_value_info("v_out", TensorProto.FLOAT, []),
        ],
        initializer=[helper.make_tensor("one", TensorProto.FLOAT, [], [1.0])],
    )
    return model_bytes(
        [helper.make_node("Loop", ["M", "cond", "V0"], ["V"], name="long_loop", body=body)],
        [helper.make_tensor_value_info("V0", TensorProto.FLOAT, [])],
        [helper.make_tensor_value_info("V", TensorProto.FLOAT, [])],
        initializers=[
            helper.make_tensor("M", TensorProto.INT64, [], [trip_count]),
            helper.make_tensor("cond", TensorProto.BOOL, [], [True]),
        ],
    )
