#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets into fuzz/corpus/<target>/ (small, synthetic
files; no real data set), and the regression inputs (regression-*) of the defects fixed while
adding the targets. Crashing inputs found by fuzzing are added by hand, named regression-*."""
import gzip
import json
import os
import struct

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    d = os.path.join(ROOT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def idx(dims, payload):
    head = struct.pack(">I", 0x800 | len(dims)) + b"".join(struct.pack(">I", n) for n in dims)
    return head + bytes(payload)


def gz(data):
    return gzip.compress(data, mtime=0)


# fuzz_idx: IDX files of 1 and 3 dimensions, raw and gzip'd, and a few near misses.
labels = idx([6], [0, 1, 2, 9, 3, 7])
images = idx([2, 3, 4], range(24))
write("fuzz_idx", "labels.idx", labels)
write("fuzz_idx", "images.idx", images)
write("fuzz_idx", "labels.idx.gz", gz(labels))
write("fuzz_idx", "images.idx.gz", gz(images))
write("fuzz_idx", "empty-dims.idx", idx([0, 28, 28], []))
write("fuzz_idx", "two-members.gz", gz(labels[:5]) + gz(labels[5:]))
write("fuzz_idx", "truncated.idx", images[:-3])

# fuzz_cifar: batches of 1 and 2 records (1 label byte + 3072 pixel bytes each).
rec = lambda label, fill: bytes([label]) + bytes([fill]) * 3072
write("fuzz_cifar", "one.bin", rec(3, 7))
write("fuzz_cifar", "two.bin", rec(0, 1) + rec(9, 200))
write("fuzz_cifar", "two.bin.gz", gz(rec(5, 2) + rec(1, 3)))
write("fuzz_cifar", "short.bin", rec(3, 7)[:100])

# fuzz_column: a selector byte (bit 0 integers, bits 1-2 column: 0-2 index 1-3, 3 "size"),
# then the text.
csv = "id,size,count\n1,2.5,7\n2,3.25,9\n3,10,30\n"
write("fuzz_column", "csv-by-name", bytes([6]) + csv.encode())
write("fuzz_column", "csv-column2", bytes([2]) + csv.encode())
write("fuzz_column", "plain", bytes([0]) + b"# comment\n1.5\n2\n\n3e2\n4\n")
write("fuzz_column", "spaces-integers", bytes([3]) + b"1 2 3\n4   5 6\n7 8 9\n")
write("fuzz_column", "bom-crlf", bytes([0]) + b"\xef\xbb\xbf1\r\n2\r\n3\r\n")
write("fuzz_column", "cr-only", bytes([0]) + b"x\r1\r2\r3\r")
write("fuzz_column", "quoted-semicolons", bytes([2]) + b'"a";"b"\n"1";"2"\n"3";"4.5"\n')

# fuzz_config: train --config files.
write("fuzz_config", "small.json", json.dumps(
    {"data": {"source": "synthetic:8", "synthetic_train": 64, "synthetic_test": 32},
     "model": {"hidden": [16, 8], "activation": "relu", "init": "kaiming"},
     "optimizer": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8},
     "batch_size": 32, "epochs": 2, "seed": 1, "threads": 1}, indent=1))
write("fuzz_config", "reg.json", json.dumps(
    {"reg": {"preset": "paper", "beta": 1.0, "strength": 0.001, "gram_side": "in",
             "n_convention": "fan-in", "coefficients": [1.0, -0.5], "layers": [0, 1],
             "interval": 1, "probes": 2}, "max_steps": 10, "fast_step": True}))
write("fuzz_config", "resolved.json", json.dumps(
    {"critnet_version": "0.1.0", "train": {"epochs": 1, "batch_size": 8, "out_dir": "runs/x",
                                           "checkpoint": False, "evaluate": True}}))
write("fuzz_config", "empty-object.json", "{}")

# fuzz_state: checkpoint/state.json files.
metrics = {"epoch": 1, "step": 4, "complete": True, "samples": 128, "train_loss": 2.1,
           "data_loss": 2.1, "reg_loss": 0.0, "reg_penalty": [{"layer": 0, "value": None}],
           "test_loss": 2.0, "test_accuracy": 0.25, "wall_s": 0.5, "train_s": 0.4,
           "samples_per_s": 320.0}
config = {"critnet_version": "0.1.0",
          "train": {"data": {"source": "synthetic:8", "synthetic_train": 64},
                    "model": {"hidden": [16], "activation": "relu", "init": "kaiming"},
                    "epochs": 2, "batch_size": 32},
          "data": {"input_size": 8, "num_classes": 10}}
write("fuzz_state", "complete.json", json.dumps(
    {"epoch": 1, "step": 4, "complete": True, "batches_done": 2, "model": "model-000001.pt",
     "optimizer": "optimizer-000001.pt", "config": config, "history": [metrics]}, indent=1))
write("fuzz_state", "partial.json", json.dumps(
    {"epoch": 2, "step": 5, "complete": False, "batches_done": 1, "model": "model-000002.pt",
     "optimizer": "optimizer-000002.pt", "config": config, "history": []}))
write("fuzz_state", "minimal.json", json.dumps(
    {"epoch": 0, "step": 0, "model": "m.pt", "optimizer": "o.pt", "config": {}}))

# Regression inputs: defects found by review while adding the targets (fixed in the library).
# IDX dimensions 2^20 x 2^20 x 2^24: the element count wrapped to 0 in 64 bits.
write("fuzz_idx", "regression-dims-wrap.idx", struct.pack(">IIII", 0x803, 1 << 20, 1 << 20, 1 << 24))
# nlohmann's get<int64_t>() of 1e300: a float-to-integer cast out of range (UB).
write("fuzz_config", "regression-epochs-1e300.json", '{"epochs": 1e300, "data": {"seed": 1e300}}')
write("fuzz_config", "regression-deep.json", "[" * 5000 + "]" * 5000)
write("fuzz_state", "regression-epoch-1e300.json", json.dumps(
    {"epoch": 1e300, "step": 1, "model": "m.pt", "optimizer": "o.pt", "config": {},
     "history": [dict(metrics, step=1e300)]}))
write("fuzz_state", "regression-model-path.json", json.dumps(
    {"epoch": 1, "step": 1, "model": "../../etc/passwd", "optimizer": "o.pt", "config": {}}))
# fit: a UTF-8 BOM before the first value (it was taken for a header), lone-CR line endings.
write("fuzz_column", "regression-bom", bytes([0]) + b"\xef\xbb\xbf" + b"3\n4\n5\n")
