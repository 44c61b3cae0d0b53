"""`onyx run` with ai.onnx.ml maps and sequences: ZipMap's seq(map) output is
printed as entries and written as JSON; sequence, map and optional inputs are
fed from JSON files (tools/onyx/json_value.h, docs/CLI.md).

The CLI is found beside the Python module: PYTHONPATH=BUILD/python -> BUILD/bin/onyx.
"""
import json
import pathlib
import subprocess

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import onyx

CLI = pathlib.Path(onyx.__file__).resolve().parents[2] / "bin" / "onyx"

pytestmark = pytest.mark.skipif(not CLI.exists(), reason="no onyx CLI at %s" % CLI)


def save(tmp_path, name, nodes, inputs, outputs):
    graph = helper.make_graph(nodes, name, inputs, outputs)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 1)]
    )
    model.ir_version = 8
    path = tmp_path / (name + ".onnx")
    onnx.save(model, str(path))
    return path


def map_type(key, value):
    t = onnx.TypeProto()
    t.map_type.key_type = key
    t.map_type.value_type.CopyFrom(helper.make_tensor_type_proto(value, None))
    return t


def run_cli(*args):
    p = subprocess.run([str(CLI), "run", *map(str, args)], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def zipmap_model(tmp_path, labels):
    """probs = ZipMap(X): X float[2,3] -> seq(map(int64 or string, float))."""
    key = TensorProto.INT64 if isinstance(labels[0], int) else TensorProto.STRING
    attr = {"classlabels_int64s": labels} if key == TensorProto.INT64 else {"classlabels_strings": labels}
    out_type = helper.make_sequence_type_proto(map_type(key, TensorProto.FLOAT))
    return save(
        tmp_path,
        "zipmap_" + ("int" if key == TensorProto.INT64 else "str"),
        [helper.make_node("ZipMap", ["X"], ["probs"], domain="ai.onnx.ml", **attr)],
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [2, 3])],
        [helper.make_value_info("probs", out_type)],
    )


@pytest.mark.parametrize("labels", [[10, 20, 30], ["cat", "dog", "eel"]])
def test_zipmap_output_is_printed_and_written_as_json(tmp_path, labels):
    model = zipmap_model(tmp_path, labels)
    x = np.array([[0.25, 0.5, 0.25], [0.125, 0.0, 0.875]], np.float32)
    np.save(tmp_path / "x.npy", x)
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(model, "--input", "X=%s" % (tmp_path / "x.npy"), "--output-dir", out_dir)
    assert rc == 0, err
    assert "sequence of 2" in out, out
    key = (lambda k: str(k)) if isinstance(labels[0], int) else (lambda k: '"%s"' % k)
    # Each map is printed as its entries, in label order.
    assert "3 entries: {%s: 0.25, %s: 0.5, %s: 0.25}" % tuple(map(key, labels)) in out, out
    assert "3 entries: {%s: 0.125, %s: 0, %s: 0.875}" % tuple(map(key, labels)) in out, out
    written = out_dir / "probs.json"
    assert written.exists(), out
    got = json.loads(written.read_text())
    want = [{str(k): float(v) for k, v in zip(labels, row)} for row in x]
    assert got == want


def test_sequence_map_and_optional_inputs_from_json(tmp_path):
    seq_t = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    opt_t = helper.make_optional_type_proto(helper.make_tensor_type_proto(TensorProto.INT64, None))
    model = save(
        tmp_path,
        "seq_in",
        [
            helper.make_node("ConcatFromSequence", ["S"], ["cat"], axis=0),
            helper.make_node("SequenceLength", ["S"], ["n"]),
            helper.make_node("OptionalHasElement", ["O"], ["has"]),
        ],
        [helper.make_value_info("S", seq_t), helper.make_value_info("O", opt_t)],
        [
            helper.make_tensor_value_info("cat", TensorProto.FLOAT, None),
            helper.make_tensor_value_info("n", TensorProto.INT64, []),
            helper.make_tensor_value_info("has", TensorProto.BOOL, []),
        ],
    )
    s = tmp_path / "s.json"
    # Both tensor forms: nested arrays (declared type) and the explicit object.
    s.write_text(json.dumps([[[1, 2], [3, 4]], {"type": "float32", "shape": [1, 2], "data": [5, "NaN"]}]))
    o = tmp_path / "o.json"
    o.write_text("null")
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(model, "--input", "S=%s" % s, "--input", "O=%s" % o, "--output-dir", out_dir)
    assert rc == 0, err
    assert "input 'S': seq(tensor(float)) of 2 from" in out, out
    assert "input 'O': empty optional from" in out, out
    cat = np.load(out_dir / "cat.npy")
    assert cat.shape == (3, 2) and np.array_equal(cat[:2], [[1, 2], [3, 4]]) and cat[2, 0] == 5 and np.isnan(cat[2, 1])
    assert np.load(out_dir / "n.npy") == 2
    assert not np.load(out_dir / "has.npy")

    o.write_text("[7, 8]")
    rc, out, err = run_cli(model, "--input", "S=%s" % s, "--input", "O=%s" % o)
    assert rc == 0, err
    assert "output 'has': bool[]" in out and "values: true" in out, out


def test_map_input_and_output_round_trip(tmp_path):
    model = save(
        tmp_path,
        "map_id",
        [helper.make_node("Identity", ["M"], ["R"])],
        [helper.make_value_info("M", map_type(TensorProto.INT64, TensorProto.FLOAT))],
        [helper.make_value_info("R", map_type(TensorProto.INT64, TensorProto.FLOAT))],
    )
    m = tmp_path / "m.json"
    m.write_text('{"3": 0.5, "-1": 2}')
    out_dir = tmp_path / "out"
    rc, out, err = run_cli(model, "--input", "M=%s" % m, "--output-dir", out_dir)
    assert rc == 0, err
    assert "map(int64,tensor(float)), 2 entries: {3: 0.5, -1: 2}" in out, out
    assert json.loads((out_dir / "R.json").read_text()) == {"3": 0.5, "-1": 2.0}


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"a": 1}', "'a' is not an integer"),
        ("[1, 2", "invalid JSON at offset"),
        ('{"3": "x"}', "expected a number"),
        ("[1]", "expected an object for map(int64,tensor(float))"),
    ],
)
def test_bad_json_inputs_name_the_input_and_the_place(tmp_path, text, message):
    model = save(
        tmp_path,
        "map_id",
        [helper.make_node("Identity", ["M"], ["R"])],
        [helper.make_value_info("M", map_type(TensorProto.INT64, TensorProto.FLOAT))],
        [helper.make_value_info("R", map_type(TensorProto.INT64, TensorProto.FLOAT))],
    )
    m = tmp_path / "m.json"
    m.write_text(text)
    rc, out, err = run_cli(model, "--input", "M=%s" % m)
    assert rc == 1, (out, err)
    assert "input 'M' from '%s'" % m in err and message in err, err


def test_non_tensor_input_without_json_says_how_to_give_it(tmp_path):
    seq_t = helper.make_sequence_type_proto(helper.make_tensor_type_proto(TensorProto.FLOAT, None))
    model = save(
        tmp_path,
        "seq_len",
        [helper.make_node("SequenceLength", ["S"], ["n"])],
        [helper.make_value_info("S", seq_t)],
        [helper.make_tensor_value_info("n", TensorProto.INT64, [])],
    )
    rc, out, err = run_cli(model)
    assert rc == 1
    assert "input 'S' is seq(tensor(float))" in err and "--input S=FILE.json" in err, err
