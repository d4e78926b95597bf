#!/usr/bin/env python3
"""Reads a Parquet file of prompt rows with pyarrow (and with Hugging Face
datasets, verl's loader, when installed) and compares every row with the JSON
lines of the same rows. Exit 0 when equal; else prints the first difference.

    parquet_equals_json.py FILE.parquet FILE.jsonl
"""
import json
import sys

import pyarrow.parquet as pq


def main():
    parquet, jsonl = sys.argv[1], sys.argv[2]
    want = [json.loads(l) for l in open(jsonl, encoding="utf-8")]
    table = pq.read_table(parquet)
    got = table.to_pylist()
    if len(got) != len(want):
        print(f"{len(got)} rows in the parquet file, {len(want)} JSON lines")
        return 1
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            for k in w:
                if g.get(k) != w[k]:
                    print(f"row {i}, {k}: parquet {g.get(k)!r} != json {w[k]!r}")
                    return 1
            print(f"row {i}: {g!r} != {w!r}")
            return 1
    if not want:  # datasets refuses any file without rows, pyarrow's own included
        print(f"0 rows equal (pyarrow {__import__('pyarrow').__version__})")
        return 0
    try:
        import datasets
    except ImportError:
        print(f"{len(got)} rows equal (pyarrow {__import__('pyarrow').__version__}; datasets not installed)")
        return 0
    ds = datasets.load_dataset("parquet", data_files=parquet, split="train")
    if ds.to_list() != want:
        print("datasets' rows differ from the JSON lines")
        return 1
    print(f"{len(got)} rows equal (pyarrow {__import__('pyarrow').__version__}, datasets {datasets.__version__})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
