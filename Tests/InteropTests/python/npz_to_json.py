"""Loads an .npz with numpy.load (allow_pickle=False) and prints its arrays as JSON:
{"arr_0": {"dtype": "float32", "shape": [3, 2], "values": [...]}, ...}."""
import json
import sys

import numpy as np

with np.load(sys.argv[1], allow_pickle=False) as data:
    print(json.dumps({
        name: {"dtype": str(data[name].dtype), "shape": list(data[name].shape),
               "values": data[name].ravel().astype(float).tolist()}
        for name in data.files
    }))
