"""Typed frames back to contract files (demo data, examples, templates, benchmarks)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from data.store.schema import KINDS


def contract_text(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The frame's cells as the strings an export would carry ("" for missing)."""
    spec = KINDS[kind]
    out = {}
    for col in spec.columns:
        if col.name not in frame.columns:
            continue
        s = frame[col.name]
        if col.type == "date":
            a = s.to_numpy(dtype="datetime64[D]")
            txt = a.astype(str).astype(object)
            txt[np.isnat(a)] = ""
            out[col.name] = txt
        elif col.type == "bool":
            b = s.astype("boolean")
            out[col.name] = np.where(b.isna(), "", np.where(b.fillna(False), "1", "0"))
        elif col.type == "int":
            out[col.name] = s.astype("Int64").astype("string").fillna("").to_numpy(dtype=object)
        elif col.type == "decimal":
            f = s.astype("Float64")
            out[col.name] = np.where(f.isna(), "", f.astype("string").fillna("").to_numpy(
                dtype=object))
        else:
            out[col.name] = s.astype("string").fillna("").to_numpy(dtype=object)
    return pd.DataFrame(out)


def write_csv(frame: pd.DataFrame, kind: str, path: str | os.PathLike,
              encoding: str = "utf-8", sep: str = ",") -> None:
    contract_text(frame, kind).to_csv(path, index=False, encoding=encoding, sep=sep,
                                      lineterminator="\n")
