#!/usr/bin/env python3
"""Makes the model fixtures of test/fixtures/models/ with the real tools (Keras 3 on TensorFlow CPU,
PyTorch and its ONNX exporter, onnx, h5py). Run once; tests load the committed files and never run
Python, and CI never needs it.

    python3 -m venv /tmp/fxvenv
    /tmp/fxvenv/bin/pip install --index-url file:///opt/pypi/simple \
        --extra-index-url file:///opt/pypi-more/simple tensorflow-cpu keras torch onnx onnxscript h5py
    /tmp/fxvenv/bin/python scripts/make-fixtures.py [all|tiny|native|keras|torch|bad|tfjs]

What it writes (see test/fixtures/models/README.md):
  tiny.*             one small Keras model (Conv2D+BN+ReLU6+MaxPool, DepthwiseConv2D + 1x1 Conv2D
                     +BN+ReLU+MaxPool, Flatten, Dropout, Dense) trained one epoch on part of
                     Fashion-MNIST, saved as .keras (Keras 3), .h5 (Keras 3's legacy writer),
                     .tf2.h5 (the tf.keras 2 layout, see below), a tfjs LayersModel (tiny-tfjs/,
                     written here: the `tensorflowjs` package is not installable) and ONNX from an
                     equivalent torch model with the same weights copied in (NCHW, channel-major
                     flatten; opset 13, TorchScript exporter); tiny.expected.json holds Keras's
                     and onnxruntime's outputs on the first 16 Fashion-MNIST test images.
  fashion-keras.*    a Keras model trained natively on Fashion-MNIST (.keras + .json accuracy)
  fashion-torch.*    a torch model trained natively, exported to ONNX (opset 18, dynamo exporter)
  bad/               files the readers must refuse with a clear error
"""
import gzip
import json
import os
import struct
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "test", "fixtures", "models")
BAD = os.path.join(OUT, "bad")
DATA = "/usr/share/datasets/fashion-mnist"
SEED = 20260722


def idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        data = f.read()
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, np.uint8, offset=16).reshape(n, rows, cols)
    return np.frombuffer(data, np.uint8, offset=8)


def fashion():
    xtr = idx("train-images-idx3-ubyte.gz").astype(np.float32)[..., None] / 255.0
    ytr = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    xte = idx("t10k-images-idx3-ubyte.gz").astype(np.float32)[..., None] / 255.0
    yte = idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)
    return xtr, ytr, xte, yte


def size(path):
    return os.path.getsize(path)


# --------------------------------------------------------------------------------------------
# tfjs LayersModel writer (what tensorflowjs_converter --input_format keras writes: a Keras 2
# style topology and a weights manifest with '<layer>/<weight>' names, float32 little endian)


def keras2_config(obj):
    """Keras 3 config -> the Keras 2 style JSON the tfjs loader parses."""
    if isinstance(obj, list):
        return [keras2_config(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "class_name" in obj and "config" in obj and ("module" in obj or "registered_name" in obj):
        if obj["class_name"] == "DTypePolicy" or obj["class_name"].endswith("DTypePolicy"):
            return obj["config"]["name"]
        return {"class_name": obj["class_name"], "config": keras2_config(obj["config"])}
    out = {}
    for k, v in obj.items():
        if k in ("build_config", "compile_config", "registered_name", "module", "quantization_config", "optional"):
            continue
        if k == "batch_shape":
            out["batch_input_shape"] = v
            continue
        if k == "dtype" and isinstance(v, dict):
            out[k] = v.get("config", {}).get("name", "float32")
            continue
        if k in ("kernel_initializer", "bias_initializer", "depthwise_initializer", "pointwise_initializer",
                 "gamma_initializer", "beta_initializer", "moving_mean_initializer",
                 "moving_variance_initializer") and isinstance(v, dict):
            out[k] = {"class_name": v["class_name"], "config": {kk: vv for kk, vv in v["config"].items()}}
            continue
        out[k] = keras2_config(v)
    return out


def keras3_inbound_to_keras2(layers):
    """Functional inbound_nodes of Keras 3 ({args: [keras_tensor history]}) -> Keras 2 lists."""
    for layer in layers:
        nodes = []
        for node in layer.get("inbound_nodes", []):
            if isinstance(node, dict):
                refs = []

                def walk(x):
                    if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
                        h = x["config"]["keras_history"]
                        refs.append([h[0], h[1], h[2], {}])
                    elif isinstance(x, dict):
                        for v in x.values():
                            walk(v)
                    elif isinstance(x, list):
                        for v in x:
                            walk(v)

                walk(node.get("args", []))
                nodes.append(refs)
            else:
                nodes.append(node)
        layer["inbound_nodes"] = nodes


def write_tfjs(model, directory):
    os.makedirs(directory, exist_ok=True)
    config = {"class_name": model.__class__.__name__, "config": model.get_config()}
    topology = keras2_config(config)
    if topology["class_name"] == "Functional":
        topology["class_name"] = "Model"
        keras3_inbound_to_keras2(topology["config"]["layers"])
    weights = []
    blob = bytearray()
    for layer in model.layers:
        for w in layer.weights:
            value = np.asarray(w.numpy(), dtype="<f4")
            short = w.name
            if layer.__class__.__name__ == "DepthwiseConv2D" and short == "kernel":
                short = "depthwise_kernel"  # the tf.keras 2 / tfjs name of Keras 3's depthwise 'kernel'
            weights.append({"name": f"{layer.name}/{short}", "shape": list(value.shape), "dtype": "float32"})
            blob += value.tobytes()
    with open(os.path.join(directory, "weights.bin"), "wb") as f:
        f.write(blob)
    with open(os.path.join(directory, "model.json"), "w") as f:
        json.dump({
            "format": "layers-model",
            "generatedBy": f"keras v{__import__('keras').__version__}",
            "convertedBy": "scripts/make-fixtures.py",
            "modelTopology": {"class_name": topology["class_name"], "config": topology["config"],
                              "keras_version": "2.15.0", "backend": "tensorflow"},
            "weightsManifest": [{"paths": ["weights.bin"], "weights": weights}],
        }, f, indent=1)


def write_tf2_h5(model, path):
    """A full-model .h5 in tf.keras 2's layout (tf.keras 2.15 hdf5_format.save_model_to_hdf5):
    root attributes keras_version / backend / model_config (Keras 2 JSON), a `model_weights` group
    with `layer_names`, one group per layer with `weight_names` ('<layer>/<w>:0') and the datasets
    at model_weights/<layer>/<layer>/<w>:0. tf.keras 2 (tf-keras) is not installable here."""
    import h5py
    config = keras2_config({"class_name": model.__class__.__name__, "config": model.get_config()})
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.15.0"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(config)
        g = f.create_group("model_weights")
        g.attrs["keras_version"] = "2.15.0"
        g.attrs["backend"] = "tensorflow"
        g.attrs["layer_names"] = [l.name.encode() for l in model.layers]
        for layer in model.layers:
            lg = g.create_group(layer.name)
            names = [f"{layer.name}/{w.name}:0" for w in layer.weights]
            lg.attrs["weight_names"] = [n.encode() for n in names]
            for n, w in zip(names, layer.weights):
                lg.create_dataset(n, data=np.asarray(w.numpy(), dtype=np.float32))


# --------------------------------------------------------------------------------------------


def build_tiny():
    import keras
    from keras import layers as L
    keras.utils.set_random_seed(SEED)
    return keras.Sequential([
        keras.Input((28, 28, 1), name="image"),
        L.Conv2D(8, 3, padding="same", use_bias=False, name="conv1"),
        L.BatchNormalization(name="bn1"),
        L.ReLU(max_value=6.0, name="relu1"),
        L.MaxPooling2D(2, name="pool1"),
        L.DepthwiseConv2D(3, padding="same", use_bias=False, name="dw2"),
        L.Conv2D(16, 1, name="pw2"),
        L.BatchNormalization(name="bn2"),
        L.ReLU(name="relu2"),
        L.MaxPooling2D(2, name="pool2"),
        L.Flatten(name="flatten"),
        L.Dropout(0.2, name="dropout"),
        L.Dense(10, name="dense"),
    ], name="tiny")


def tiny_torch(km):
    """The torch twin of build_tiny (NCHW), weights copied from the Keras model."""
    import torch
    from torch import nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(8, eps=1e-3)
            self.relu1 = nn.ReLU6()
            self.pool1 = nn.MaxPool2d(2)
            self.dw2 = nn.Conv2d(8, 8, 3, padding=1, groups=8, bias=False)
            self.pw2 = nn.Conv2d(8, 16, 1)
            self.bn2 = nn.BatchNorm2d(16, eps=1e-3)
            self.relu2 = nn.ReLU()
            self.pool2 = nn.MaxPool2d(2)
            self.flatten = nn.Flatten()
            self.dropout = nn.Dropout(0.2)
            self.dense = nn.Linear(7 * 7 * 16, 10)

        def forward(self, x):
            x = self.pool1(self.relu1(self.bn1(self.conv1(x))))
            x = self.pool2(self.relu2(self.bn2(self.pw2(self.dw2(x)))))
            return self.dense(self.dropout(self.flatten(x)))

    t = Tiny().eval()
    w = {l.name: [np.asarray(v.numpy()) for v in l.weights] for l in km.layers}
    with torch.no_grad():
        t.conv1.weight.copy_(torch.from_numpy(w["conv1"][0].transpose(3, 2, 0, 1).copy()))   # HWIO -> OIHW
        t.dw2.weight.copy_(torch.from_numpy(w["dw2"][0].transpose(2, 3, 0, 1).copy()))       # HWC1 -> C1HW
        t.pw2.weight.copy_(torch.from_numpy(w["pw2"][0].transpose(3, 2, 0, 1).copy()))
        t.pw2.bias.copy_(torch.from_numpy(w["pw2"][1]))
        for name in ("bn1", "bn2"):
            bn = getattr(t, name)
            g, b, m, v = w[name]
            bn.weight.copy_(torch.from_numpy(g)); bn.bias.copy_(torch.from_numpy(b))
            bn.running_mean.copy_(torch.from_numpy(m)); bn.running_var.copy_(torch.from_numpy(v))
        k = w["dense"][0]  # [784 (HWC), 10]
        kt = k.reshape(7, 7, 16, 10).transpose(2, 0, 1, 3).reshape(784, 10)  # rows in CHW order
        t.dense.weight.copy_(torch.from_numpy(kt.T.copy()))
        t.dense.bias.copy_(torch.from_numpy(w["dense"][1]))
    return t


def export_onnx_legacy(t, path, opset, example, dynamic_batch=True):
    import torch
    torch.onnx.export(
        t, example, path, opset_version=opset, input_names=["image"], output_names=["logits"],
        dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}} if dynamic_batch else None,
        training=torch.onnx.TrainingMode.PRESERVE,  # keeps BatchNormalization (EVAL fuses it into Conv)
        do_constant_folding=True, dynamo=False)


def export_onnx_dynamo(t, path, opset, example):
    import torch
    batch = torch.export.Dim("batch", min=1, max=1024)
    prog = torch.onnx.export(t, (example,), dynamo=True, opset_version=opset, input_names=["image"],
                             output_names=["logits"], dynamic_shapes=({0: batch},), optimize=True,
                             external_data=False)
    prog.save(path, external_data=False)


def onnx_run(path, x):
    try:
        import onnxruntime as ort
    except ImportError:
        return None
    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    return s.run(None, {s.get_inputs()[0].name: x})[0]


def make_tiny():
    import keras
    import torch
    xtr, ytr, xte, yte = fashion()
    km = build_tiny()
    km.compile(optimizer=keras.optimizers.Adam(2e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
               metrics=["accuracy"])
    km.fit(xtr[:12000], ytr[:12000], batch_size=64, epochs=1, verbose=2)
    km.save(os.path.join(OUT, "tiny.keras"))
    km.save(os.path.join(OUT, "tiny.h5"))  # Keras 3's legacy HDF5 writer
    write_tf2_h5(km, os.path.join(OUT, "tiny.tf2.h5"))
    write_tfjs(km, os.path.join(OUT, "tiny-tfjs"))
    t = tiny_torch(km)
    x16 = xte[:16]
    example = torch.from_numpy(x16[:2].transpose(0, 3, 1, 2).copy())
    export_onnx_legacy(t, os.path.join(OUT, "tiny.onnx"), 13, example)
    keras_out = km.predict(x16, verbose=0)
    torch_out = t(torch.from_numpy(x16.transpose(0, 3, 1, 2).copy())).detach().numpy()
    ort_out = onnx_run(os.path.join(OUT, "tiny.onnx"), x16.transpose(0, 3, 1, 2).copy())
    print("tiny: keras vs torch max diff", float(np.abs(keras_out - torch_out).max()))
    with open(os.path.join(OUT, "tiny.expected.json"), "w") as f:
        json.dump({
            "images": "fashion-mnist t10k, first 16, x / 255, NHWC",
            "keras": [[float(v) for v in row] for row in keras_out],
            "torch": [[float(v) for v in row] for row in torch_out],
            **({"onnxruntime": [[float(v) for v in row] for row in ort_out]} if ort_out is not None else {}),
            "keras_version": keras.__version__, "torch_version": torch.__version__,
        }, f, indent=1)
    return km


def build_fashion_keras():
    import keras
    from keras import layers as L
    keras.utils.set_random_seed(SEED + 1)
    nonneg = keras.constraints.NonNeg()
    return keras.Sequential([
        keras.Input((28, 28, 1)),
        L.Conv2D(16, 3, padding="same", use_bias=False, name="conv1"),
        L.MaxPooling2D(2, padding="same", name="pool1"),
        L.BatchNormalization(gamma_constraint=nonneg, name="bn1"),
        L.ReLU(max_value=6.0, name="relu1"),
        L.Conv2D(32, 3, padding="same", use_bias=False, name="conv2"),
        L.MaxPooling2D(2, padding="same", name="pool2"),
        L.BatchNormalization(gamma_constraint=nonneg, name="bn2"),
        L.ReLU(max_value=6.0, name="relu2"),
        L.SeparableConv2D(64, 3, padding="same", use_bias=False, name="sep3"),
        L.MaxPooling2D(2, padding="same", name="pool3"),
        L.BatchNormalization(gamma_constraint=nonneg, name="bn3"),
        L.ReLU(max_value=6.0, name="relu3"),
        L.Flatten(name="flatten"),
        L.Dropout(0.25, name="dropout"),
        L.Dense(10, name="dense"),
    ], name="fashion_keras")


def make_fashion_keras():
    import keras
    xtr, ytr, xte, yte = fashion()
    m = build_fashion_keras()
    m.compile(optimizer=keras.optimizers.Adam(2e-3), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              metrics=["accuracy"])
    m.fit(xtr, ytr, batch_size=128, epochs=4, verbose=2)
    acc = float(np.mean(np.argmax(m.predict(xte, verbose=0), -1) == yte))
    sub = float(np.mean(np.argmax(m.predict(xte[:1000], verbose=0), -1) == yte[:1000]))
    m.save(os.path.join(OUT, "fashion-keras.keras"))
    with open(os.path.join(OUT, "fashion-keras.json"), "w") as f:
        json.dump({"model": "fashion-keras.keras", "tool": f"keras {keras.__version__}", "epochs": 4,
                   "float_accuracy_test": acc, "float_accuracy_first_1000": sub, "input": "x / 255, NHWC"}, f, indent=1)
    print("fashion-keras accuracy", acc, sub)


def make_fashion_torch():
    import torch
    from torch import nn
    torch.manual_seed(SEED + 2)
    xtr, ytr, xte, yte = fashion()
    net = nn.Sequential()
    net.add_module("conv1", nn.Conv2d(1, 16, 3, padding=1, bias=False))
    net.add_module("pool1", nn.MaxPool2d(2))
    net.add_module("bn1", nn.BatchNorm2d(16))
    net.add_module("relu1", nn.ReLU6())
    net.add_module("conv2", nn.Conv2d(16, 32, 3, padding=1, bias=False))
    net.add_module("pool2", nn.MaxPool2d(2))
    net.add_module("bn2", nn.BatchNorm2d(32))
    net.add_module("relu2", nn.ReLU6())
    net.add_module("dw3", nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False))
    net.add_module("pw3", nn.Conv2d(32, 64, 1, bias=False))
    net.add_module("bn3", nn.BatchNorm2d(64))
    net.add_module("relu3", nn.ReLU6())
    net.add_module("pool3", nn.MaxPool2d(2))  # 7 -> 3 (floor), after the activation
    net.add_module("flatten", nn.Flatten())
    net.add_module("dropout", nn.Dropout(0.25))
    net.add_module("fc", nn.Linear(64 * 3 * 3, 10))
    xt = torch.from_numpy(xtr.transpose(0, 3, 1, 2).copy())
    yt = torch.from_numpy(ytr)
    opt = torch.optim.Adam(net.parameters(), 2e-3)
    g = torch.Generator().manual_seed(SEED)
    for epoch in range(4):
        net.train()
        perm = torch.randperm(len(xt), generator=g)
        for s in range(0, len(xt), 128):
            i = perm[s:s + 128]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(net(xt[i]), yt[i])
            loss.backward()
            opt.step()
            with torch.no_grad():  # the BatchNorm gammas stay non-negative (max pooling commutes)
                for bn in (net.bn1, net.bn2, net.bn3):
                    bn.weight.clamp_(min=0)
        print("torch epoch", epoch, float(loss))
    net.eval()
    with torch.no_grad():
        xe = torch.from_numpy(xte.transpose(0, 3, 1, 2).copy())
        pred = net(xe).argmax(-1).numpy()
    acc = float(np.mean(pred == yte))
    sub = float(np.mean(pred[:1000] == yte[:1000]))
    path = os.path.join(OUT, "fashion-torch.onnx")
    export_onnx_dynamo(net, path, 18, xe[:2])
    ort = onnx_run(path, xte[:1000].transpose(0, 3, 1, 2).copy())
    ort_acc = float(np.mean(np.argmax(ort, -1) == yte[:1000])) if ort is not None else None
    with open(os.path.join(OUT, "fashion-torch.json"), "w") as f:
        json.dump({"model": "fashion-torch.onnx", "tool": f"torch {torch.__version__}, torch.onnx dynamo exporter, opset 18",
                   "epochs": 4, "float_accuracy_test": acc, "float_accuracy_first_1000": sub,
                   "onnxruntime_accuracy_first_1000": ort_acc, "input": "x / 255, NCHW [batch, 1, 28, 28]"}, f, indent=1)
    print("fashion-torch accuracy", acc, sub, ort_acc)


# --------------------------------------------------------------------------------------------


def make_bad(tiny):
    import keras
    import onnx
    import torch
    from keras import layers as L
    from onnx import TensorProto, helper, numpy_helper
    os.makedirs(BAD, exist_ok=True)

    # a Lambda layer
    keras.utils.set_random_seed(SEED)
    m = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(2, 3, name="conv"), L.Lambda(lambda x: x * 2.0, name="double"),
                          L.Flatten(), L.Dense(3, name="dense")], name="with_lambda")
    m.save(os.path.join(BAD, "lambda.keras"))
    m.save(os.path.join(BAD, "lambda.h5"))

    # a custom (registered) layer
    @keras.saving.register_keras_serializable(package="fixtures")
    class Scale(L.Layer):
        def __init__(self, factor=2.0, **kw):
            super().__init__(**kw)
            self.factor = factor

        def call(self, x):
            return x * self.factor

        def get_config(self):
            return {**super().get_config(), "factor": self.factor}

    m = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(2, 3, name="conv"), Scale(name="scale"),
                          L.Flatten(), L.Dense(3, name="dense")], name="with_custom")
    m.save(os.path.join(BAD, "custom.keras"))

    # a branching (residual Add) functional model
    inp = keras.Input((8, 8, 2), name="x")
    a = L.Conv2D(2, 3, padding="same", name="conv_a")(inp)
    b = L.Add(name="add")([inp, a])
    out = L.Dense(3, name="dense")(L.Flatten(name="flatten")(b))
    m = keras.Model(inp, out, name="branching")
    m.save(os.path.join(BAD, "branch.keras"))
    m.save(os.path.join(BAD, "branch.h5"))

    # a functional chain (not bad: a Functional model whose graph is a chain)
    inp = keras.Input((8, 8, 1), name="x")
    y = L.Conv2D(4, 3, padding="same", name="conv")(inp)
    y = L.ReLU(name="relu")(y)
    y = L.Dense(3, name="dense")(L.Flatten(name="flatten")(y))
    m = keras.Model(inp, y, name="functional_chain")
    m.save(os.path.join(OUT, "functional.keras"))
    m.save(os.path.join(OUT, "functional.h5"))
    x = np.linspace(0, 1, 64, dtype=np.float32).reshape(1, 8, 8, 1)
    with open(os.path.join(OUT, "functional.expected.json"), "w") as f:
        json.dump({"input": "linspace(0, 1, 64) as [1, 8, 8, 1]", "keras": [float(v) for v in m.predict(x, verbose=0)[0]]}, f)

    # ONNX: a residual Add (torch), an unsupported operator, a dynamic spatial dim, external data
    class Res(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(2, 2, 3, padding=1)
            self.fc = torch.nn.Linear(2 * 8 * 8, 3)

        def forward(self, x):
            return self.fc(torch.flatten(x + self.conv(x), 1))

    export_onnx_legacy(Res().eval(), os.path.join(BAD, "branch.onnx"), 13, torch.zeros(1, 2, 8, 8))

    class Odd(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv2d(1, 2, 3)
            self.fc = torch.nn.Linear(2 * 6 * 6, 3)

        def forward(self, x):
            return self.fc(torch.flatten(torch.tanh(self.conv(x)), 1))

    export_onnx_legacy(Odd().eval(), os.path.join(BAD, "unsupported-op.onnx"), 17, torch.zeros(1, 1, 8, 8))

    rng = np.random.default_rng(SEED)
    w = numpy_helper.from_array(rng.standard_normal((2, 1, 3, 3)).astype(np.float32), "w")
    def conv_model(dims, extra_inits=()):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, dims)
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
        node = helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])
        g = helper.make_graph([node], "g", [x], [y], [w, *extra_inits])
        return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="make-fixtures.py")
    onnx.save(conv_model(["N", 1, "H", "W"]), os.path.join(BAD, "dynamic.onnx"))
    # external data: the tensor's bytes live in a file that is not committed
    big = numpy_helper.from_array(rng.standard_normal((2, 1, 3, 3)).astype(np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [big])
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    onnx.external_data_helper.convert_model_to_external_data(model, all_tensors_to_one_file=True,
                                                             location="external-missing.bin", size_threshold=0)
    onnx.save_model(model, os.path.join(BAD, "external.onnx"), save_as_external_data=False)
    # save_model with convert already done writes the data file beside it: remove it (it is "missing")
    missing = os.path.join(BAD, "external-missing.bin")
    if os.path.exists(missing):
        os.remove(missing)
    # an opset outside 13..21
    m = conv_model(["N", 1, 8, 8])
    m.opset_import[0].version = 11
    onnx.save(m, os.path.join(BAD, "opset11.onnx"))


def main():
    os.makedirs(OUT, exist_ok=True)
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    tiny = None
    if what in ("all", "tiny"):
        tiny = make_tiny()
    if what == "tfjs":  # rewrite tiny-tfjs/ from the committed tiny.keras (no retraining)
        import keras
        write_tfjs(keras.saving.load_model(os.path.join(OUT, "tiny.keras")), os.path.join(OUT, "tiny-tfjs"))
    if what in ("all", "native", "keras"):
        make_fashion_keras()
    if what in ("all", "native", "torch"):
        make_fashion_torch()
    if what in ("all", "bad"):
        make_bad(tiny)
    for dirpath, _, files in os.walk(OUT):
        for name in sorted(files):
            p = os.path.join(dirpath, name)
            print(f"{size(p):>9}  {os.path.relpath(p, ROOT)}")


if __name__ == "__main__":
    main()
