"""Vectors as database values: float32, little-endian, row after row."""

from __future__ import annotations

import numpy as np

from app.synthesis.embedder import Vectors


def pack(vectors: Vectors) -> bytes:
    return np.ascontiguousarray(vectors, dtype="<f4").tobytes()


def unpack(raw: bytes, dim: int | None = None) -> Vectors:
    flat = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    return flat if dim is None else flat.reshape(-1, dim)
