"""Converts all-mpnet-base-v2 from its official safetensors weights to an ONNX file that
transformers.js loads (output `last_hidden_state`), without PyTorch.

The graph follows the MPNet encoder of the transformers library: position ids counted from
the non-padding tokens (padding id 1), a relative-position bias from 32 buckets with a
maximum distance of 128 shared by all layers, an additive padding mask, 12 post-LayerNorm
layers with erf-GELU. `forward_numpy` is the same computation in plain numpy: the tests
compare the two on real text.

    python mpnet_onnx.py convert <model.safetensors> <out.onnx>
    python mpnet_onnx.py reference <model.safetensors> <ids.json>
        (prints the numpy last_hidden_state, as JSON, for {"input_ids": [[...]], "attention_mask": [[...]]})
"""

import json
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HIDDEN = 768
HEADS = 12
HEAD_DIM = HIDDEN // HEADS
LAYERS = 12
PAD_ID = 1
BUCKETS = 32
MAX_DISTANCE = 128
EPS = 1e-5
OPSET = 17
NEG = float(np.finfo(np.float32).min)


def load_safetensors(path):
    """The tensors of a .safetensors file: an 8-byte header length, a JSON header, raw data."""
    with open(path, "rb") as f:
        header_len = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(header_len))
        data = f.read()
    dtypes = {"F32": np.float32, "I64": np.int64}
    tensors = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        start, end = meta["data_offsets"]
        tensors[name] = np.frombuffer(data[start:end], dtype=dtypes[meta["dtype"]]).reshape(meta["shape"])
    return tensors


# --- the reference: plain numpy ---------------------------------------------------------

def relative_buckets(length):
    """Bucket of (key position - query position), as MPNet's relative_position_bucket."""
    positions = np.arange(length)
    n = -(positions[None, :] - positions[:, None])
    half = BUCKETS // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    exact = half // 2
    large = exact + (np.log(np.maximum(n, 1) / exact) / np.log(MAX_DISTANCE / exact) * (half - exact)).astype(np.int64)
    return ret + np.where(n < exact, n, np.minimum(large, half - 1))


def layer_norm(x, w, b):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + EPS) * w + b


def erf(x):
    from math import erf as scalar_erf
    return np.vectorize(scalar_erf, otypes=[np.float64])(x)


def forward_numpy(t, input_ids, attention_mask):
    """last_hidden_state for int64 [batch, seq] ids and mask, in float64 for a tight reference."""
    w = {k: v.astype(np.float64) for k, v in t.items() if v.dtype == np.float32}
    not_pad = (input_ids != PAD_ID).astype(np.int64)
    positions = np.cumsum(not_pad, axis=1) * not_pad + PAD_ID
    x = w["embeddings.word_embeddings.weight"][input_ids] + w["embeddings.position_embeddings.weight"][positions]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
    batch, seq = input_ids.shape
    bias = w["encoder.relative_attention_bias.weight"][relative_buckets(seq)].transpose(2, 0, 1)[None]
    mask = (1.0 - attention_mask[:, None, None, :].astype(np.float64)) * NEG
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        def heads(name):
            y = x @ w[p + f"attention.attn.{name}.weight"].T + w[p + f"attention.attn.{name}.bias"]
            return y.reshape(batch, seq, HEADS, HEAD_DIM).transpose(0, 2, 1, 3)
        q, k, v = heads("q"), heads("k"), heads("v")
        scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(HEAD_DIM) + bias + mask
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, seq, HIDDEN)
        attended = context @ w[p + "attention.attn.o.weight"].T + w[p + "attention.attn.o.bias"]
        x = layer_norm(attended + x, w[p + "attention.LayerNorm.weight"], w[p + "attention.LayerNorm.bias"])
        inner = x @ w[p + "intermediate.dense.weight"].T + w[p + "intermediate.dense.bias"]
        inner = 0.5 * inner * (1.0 + erf(inner / np.sqrt(2.0)))
        out = inner @ w[p + "output.dense.weight"].T + w[p + "output.dense.bias"]
        x = layer_norm(out + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"])
    return x


# --- the ONNX graph ------------------------------------------------------------------------

class Graph:
    """Collects nodes and initializers with deterministic names, so the file is byte-stable."""

    def __init__(self):
        self.nodes, self.initializers, self.names, self.count = [], [], set(), 0

    def const(self, name, value):
        if name not in self.names:
            self.names.add(name)
            self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def op(self, op_type, inputs, **attrs):
        self.count += 1
        out = f"{op_type.lower()}_{self.count}"
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=out, **attrs))
        return out

    def linear(self, x, t, prefix):
        weight = self.const(prefix + ".weight.T", np.ascontiguousarray(t[prefix + ".weight"].T))
        return self.op("Add", [self.op("MatMul", [x, weight]), self.const(prefix + ".bias", t[prefix + ".bias"])])

    def layer_norm(self, x, t, prefix):
        return self.op("LayerNormalization", [x, self.const(prefix + ".weight", t[prefix + ".weight"]),
                                              self.const(prefix + ".bias", t[prefix + ".bias"])], axis=-1, epsilon=EPS)


def build(t):
    g = Graph()
    i64 = lambda name, v: g.const(name, np.array(v, dtype=np.int64))
    f32 = lambda name, v: g.const(name, np.array(v, dtype=np.float32))

    # Embeddings: word + position (positions count non-padding tokens, offset by the padding id).
    not_pad = g.op("Cast", [g.op("Not", [g.op("Equal", ["input_ids", i64("pad_id", PAD_ID)])])], to=TensorProto.INT64)
    positions = g.op("Add", [g.op("Mul", [g.op("CumSum", [not_pad, i64("axis_1", 1)]), not_pad]), "pad_id"])
    x = g.op("Add", [g.op("Gather", [g.const("embeddings.word_embeddings.weight", t["embeddings.word_embeddings.weight"]), "input_ids"]),
                     g.op("Gather", [g.const("embeddings.position_embeddings.weight", t["embeddings.position_embeddings.weight"]), positions])])
    x = g.layer_norm(x, t, "embeddings.LayerNorm")

    # Relative-position bias [1, heads, seq, seq], shared by every layer.
    seq = g.op("Gather", [g.op("Shape", ["input_ids"]), i64("index_1", 1)], axis=0)
    pos = g.op("Range", [i64("zero", 0), seq, i64("one", 1)])
    n = g.op("Neg", [g.op("Sub", [g.op("Unsqueeze", [pos, i64("axes_0", [0])]), g.op("Unsqueeze", [pos, i64("axes_1", [1])])])])
    half, exact = BUCKETS // 2, BUCKETS // 4
    ret = g.op("Mul", [g.op("Cast", [g.op("Less", [n, "zero"])], to=TensorProto.INT64), i64("half", half)])
    n = g.op("Abs", [n])
    n_float = g.op("Cast", [g.op("Max", [n, "one"])], to=TensorProto.FLOAT)
    scaled = g.op("Mul", [g.op("Div", [g.op("Log", [g.op("Div", [n_float, f32("exact_f", exact)])]), f32("log_ratio", np.log(MAX_DISTANCE / exact))]),
                          f32("span", half - exact)])
    large = g.op("Min", [g.op("Add", [i64("exact", exact), g.op("Cast", [scaled], to=TensorProto.INT64)]), i64("last_bucket", half - 1)])
    bucket = g.op("Add", [ret, g.op("Where", [g.op("Less", [n, "exact"]), n, large])])
    bias = g.op("Unsqueeze", [g.op("Transpose", [g.op("Gather", [g.const("encoder.relative_attention_bias.weight", t["encoder.relative_attention_bias.weight"]), bucket])],
                                   perm=[2, 0, 1]), "axes_0"])

    # Additive padding mask [batch, 1, 1, seq].
    mask_f = g.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    additive = g.op("Mul", [g.op("Sub", [f32("one_f", 1.0), mask_f]), f32("neg", NEG)])
    additive = g.op("Unsqueeze", [additive, i64("axes_12", [1, 2])])
    bias_and_mask = g.op("Add", [bias, additive])

    split_heads = i64("split_heads", [0, 0, HEADS, HEAD_DIM])
    merge_heads = i64("merge_heads", [0, 0, HIDDEN])
    scale = f32("scale", 1.0 / np.sqrt(HEAD_DIM))
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."
        def heads(name, perm):
            return g.op("Transpose", [g.op("Reshape", [g.linear(x, t, p + f"attention.attn.{name}"), split_heads])], perm=perm)
        q, k, v = heads("q", [0, 2, 1, 3]), heads("k", [0, 2, 3, 1]), heads("v", [0, 2, 1, 3])
        scores = g.op("Add", [g.op("Mul", [g.op("MatMul", [q, k]), scale]), bias_and_mask])
        context = g.op("MatMul", [g.op("Softmax", [scores], axis=-1), v])
        context = g.op("Reshape", [g.op("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        x = g.layer_norm(g.op("Add", [g.linear(context, t, p + "attention.attn.o"), x]), t, p + "attention.LayerNorm")
        inner = g.linear(x, t, p + "intermediate.dense")
        gelu = g.op("Mul", [g.op("Mul", [inner, f32("half_f", 0.5)]),
                            g.op("Add", [f32("one_g", 1.0), g.op("Erf", [g.op("Div", [inner, f32("sqrt2", np.sqrt(2.0))])])])])
        x = g.layer_norm(g.op("Add", [g.linear(gelu, t, p + "output.dense"), x]), t, p + "output.LayerNorm")
    g.nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="output"))

    graph = helper.make_graph(
        g.nodes, "all-mpnet-base-v2",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "sequence", HIDDEN])],
        g.initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="reembed")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main():
    command = sys.argv[1]
    tensors = load_safetensors(sys.argv[2])
    if command == "convert":
        # The weights exceed protobuf's 2 GB limit only above ~500M parameters; this model is 110M.
        onnx.save_model(build(tensors), sys.argv[3])
    elif command == "reference":
        ids = json.loads(open(sys.argv[3]).read())
        hidden = forward_numpy(tensors, np.array(ids["input_ids"], dtype=np.int64), np.array(ids["attention_mask"], dtype=np.int64))
        print(json.dumps(hidden.tolist()))
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main()
