#!/usr/bin/env python3
"""Writes the .npy test vectors of PollenCoreTests with numpy.

Usage: python3 Scripts/make-npy-vectors.py  (from the repository root)

Each vector is one .npy file in Tests/PollenCoreTests/Resources/npy/; vectors.json lists, per
file, the dtype and shape numpy reads back, the flat values in C order (numbers as doubles, bools
as bools, NaN/inf as the strings "nan", "inf", "-inf"), whether the file is what numpy.save
writes (so a Pollen encoder must reproduce it byte for byte), and the format version.
The output is deterministic: running the script again gives the same bytes.
"""

import io
import json
import math
import os
import warnings

import numpy as np
from numpy.lib import format as npy_format

OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "PollenCoreTests", "Resources", "npy")

# Pollen's DType name for each numpy dtype.
DTYPES = {
    "float16": np.float16, "float32": np.float32, "float64": np.float64,
    "int8": np.int8, "int16": np.int16, "int32": np.int32, "int64": np.int64,
    "uint8": np.uint8, "uint16": np.uint16, "uint32": np.uint32, "uint64": np.uint64,
    "bool": np.bool_,
}


def sample_values(name, n):
    """n deterministic values exercising the range of the dtype (extremes, signs, fractions)."""
    if name == "bool":
        return np.array([(i * 7) % 3 == 0 for i in range(n)], dtype=np.bool_)
    dt = np.dtype(DTYPES[name])
    if dt.kind == "f":
        base = [0.0, -0.0, 1.5, -2.25, 3.140625, 1e-3, -65504.0, 65504.0, 6.1e-5, 5.96e-8]
        if name != "float16":
            base += [1e10, -3.0e38 if name == "float32" else -1.7e308]
        vals = [base[i % len(base)] * (1 + i // len(base)) for i in range(n)]
        return np.array(vals, dtype=dt)
    info = np.iinfo(dt)
    base = [0, 1, -1, info.min, info.max, 42, -100, 127]
    vals = [min(max(base[i % len(base)] + i // len(base), info.min), info.max) for i in range(n)]
    return np.array(vals, dtype=dt)


def flat_json(a):
    out = []
    for v in np.ascontiguousarray(a).reshape(-1).tolist():
        if isinstance(v, bool):
            out.append(v)
        elif isinstance(v, float) and math.isnan(v):
            out.append("nan")
        elif isinstance(v, float) and math.isinf(v):
            out.append("inf" if v > 0 else "-inf")
        else:
            out.append(float(v))
    return out


def main():
    warnings.simplefilter("ignore", UserWarning)  # numpy warns about the Python 2 style header
    os.makedirs(OUT, exist_ok=True)
    for f in os.listdir(OUT):
        if f.endswith(".npy") or f == "vectors.json":
            os.remove(os.path.join(OUT, f))
    vectors = []

    def add(filename, array, *, version=None, fortran=False, raw=None, note=""):
        """Writes `array`; `raw` overrides the file bytes (for hand-made headers)."""
        if raw is None:
            buf = io.BytesIO()
            if version is None:
                np.save(buf, array, allow_pickle=False)
            else:
                arr = np.asfortranarray(array) if fortran else array
                npy_format.write_array(buf, arr, version=version, allow_pickle=False)
            raw = buf.getvalue()
        with open(os.path.join(OUT, filename), "wb") as f:
            f.write(raw)
        back = np.load(io.BytesIO(raw), allow_pickle=False)
        assert back.shape == array.shape and np.array_equal(back, array, equal_nan=True), filename
        name = back.dtype.name
        vectors.append({
            "file": filename,
            "dtype": "bool" if name == "bool" else name,
            "shape": list(back.shape),
            "values": flat_json(back),
            # True when the file is exactly what numpy.save writes for this array.
            "numpySave": version is None and raw_is_save(raw, back),
            "version": f"{raw[6]}.{raw[7]}",
            "note": note,
        })

    def raw_is_save(raw, back):
        buf = io.BytesIO()
        np.save(buf, back.astype(back.dtype.newbyteorder("<"), order="C"), allow_pickle=False)
        return buf.getvalue() == raw

    # Every dtype, 1-D, numpy.save (little-endian, C order).
    for name in DTYPES:
        add(f"{name}-1d.npy", sample_values(name, 7), note="every dtype, 1-D")
    # Shapes.
    add("float32-0d.npy", np.array(2.5, dtype=np.float32), note="0-d")
    add("int64-0d.npy", np.array(-7, dtype=np.int64), note="0-d")
    add("bool-0d.npy", np.array(True), note="0-d")
    add("float32-1elem.npy", np.array([4.0], dtype=np.float32), note="shape (1,)")
    add("float32-5.npy", np.arange(5, dtype=np.float32), note="shape (5,)")
    add("float64-2d.npy", sample_values("float64", 12).reshape(3, 4), note="2-D")
    add("int32-3d.npy", sample_values("int32", 24).reshape(2, 3, 4), note="3-D")
    add("uint8-4d.npy", sample_values("uint8", 120).reshape(2, 3, 4, 5), note="4-D")
    add("float16-2d.npy", sample_values("float16", 6).reshape(2, 3), note="2-D")
    add("float32-empty.npy", np.zeros((0,), dtype=np.float32), note="empty")
    add("float64-empty-2d.npy", np.zeros((3, 0), dtype=np.float64), note="empty 2-D")
    add("int16-empty-3d.npy", np.zeros((2, 0, 4), dtype=np.int16), note="empty 3-D")
    add("float32-12d.npy", np.arange(2 ** 12, dtype=np.float32).reshape((2,) * 12), note="12-D")
    add("float32-bigdim-empty.npy", np.zeros((10 ** 12, 0), dtype=np.float32), note="13-digit first axis")
    add("float32-wide.npy", np.arange(1000, dtype=np.float32), note="4-digit first axis")
    # Special floats.
    add("float32-special.npy", np.array([np.nan, np.inf, -np.inf, -0.0, 1e-45], dtype=np.float32),
        note="nan and infinities")
    add("float16-special.npy", np.array([np.nan, np.inf, -np.inf, 6e-8, 65504], dtype=np.float16),
        note="half nan, inf, subnormal, max")
    # Big-endian.
    for name in ["float16", "float32", "float64", "int16", "int32", "int64", "uint16", "uint32", "uint64"]:
        a = sample_values(name, 6).reshape(2, 3).astype(np.dtype(DTYPES[name]).newbyteorder(">"))
        add(f"{name}-be.npy", a, note="big-endian")
    # Fortran order.
    add("float32-fortran-2d.npy", np.asfortranarray(sample_values("float32", 12).reshape(3, 4)),
        note="fortran_order True")
    add("int16-fortran-3d.npy", np.asfortranarray(sample_values("int16", 24).reshape(2, 3, 4)),
        note="fortran_order True, 3-D")
    add("float64-fortran-be.npy",
        np.asfortranarray(sample_values("float64", 6).reshape(3, 2)).astype(">f8", order="F"),
        note="fortran and big-endian")
    add("bool-fortran.npy", np.asfortranarray(sample_values("bool", 6).reshape(2, 3)), note="fortran bool")
    # Versions 2.0 and 3.0.
    add("float32-v2.npy", sample_values("float32", 6).reshape(2, 3), version=(2, 0), note="version 2.0")
    add("int8-v3.npy", sample_values("int8", 5), version=(3, 0), note="version 3.0")
    add("float64-v3-fortran.npy", sample_values("float64", 6).reshape(2, 3), version=(3, 0), fortran=True,
        note="version 3.0, fortran")
    # Hand-written headers numpy accepts.
    add("descr-variants.npy", np.array([1, 2, 3], dtype=np.int8),
        raw=hand_header("{'shape': (3,), 'fortran_order': False, 'descr': '<i1'}", b"\x01\x02\x03"),
        note="keys unsorted, '<i1'")
    add("descr-native.npy", np.array([1.5, -2.0], dtype=np.float32),
        raw=hand_header("{\"descr\": \"=f4\", \"fortran_order\": False, \"shape\": (2,)}",
                        np.array([1.5, -2.0], dtype="<f4").tobytes()),
        note="double quotes, '=f4'")
    add("descr-typecode.npy", np.array([True, False]),
        raw=hand_header("{'descr': '?', 'fortran_order': False, 'shape': (2L,), } # python 2",
                        b"\x01\x00"),
        note="type code '?', Python 2 long, comment")
    add("trailing-bytes.npy", np.array([7], dtype=np.uint16),
        raw=hand_header("{'descr': '<u2', 'fortran_order': False, 'shape': (1,), }", b"\x07\x00garbage"),
        note="bytes after the data are ignored")

    vectors.sort(key=lambda v: v["file"])
    with open(os.path.join(OUT, "vectors.json"), "w") as f:
        json.dump(vectors, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors to {os.path.normpath(OUT)}")


def hand_header(text, data):
    """A version 1.0 file with the given header text, padded like numpy pads it."""
    header = text.encode("latin1")
    hlen = len(header) + 1
    pad = 64 - (10 + hlen) % 64
    header += b" " * pad + b"\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + data


if __name__ == "__main__":
    main()
