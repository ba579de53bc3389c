"""Compressed pieces with per-response values between them make one valid gzip member."""

from __future__ import annotations

import gzip
import zlib

import pytest

from app.web.stitching import StitchedBody

TOKEN = "T" * 43
KEY = "K" * 32
# Long enough, and repetitive enough, that back-references would cross the slots if the
# pieces were not compressed independently.
PAGE = (
    f'<body hx-headers=\'{{"X-CSRF-Token": "{TOKEN}"}}\'>'
    + "<p>Une consultation sur la mobilité de la main-d'œuvre.</p>\n" * 400
    + f'<form><input name="csrf_token" value="{TOKEN}"><input value="{KEY}"></form>'
    + "<p>Fin — ¿preguntas?</p>" * 50
    + f'<form><input value="{KEY}"><input value="{TOKEN}"></form></body>'
)


def test_the_stand_ins_split_the_page_and_say_which_value_goes_where() -> None:
    body = StitchedBody.split(PAGE, (TOKEN, KEY))
    assert body.slots == (0, 0, 1, 1, 0)
    assert len(body.pieces) == len(body.deflated) == 6
    assert body.plain([TOKEN, TOKEN, KEY, KEY, TOKEN]) == PAGE.encode()


@pytest.mark.parametrize("values", [["a" * 43, "b" * 43, "k1", "k2", "c"], ["", "", "", "", ""]])
def test_gzip_decodes_to_the_plain_text_with_the_values(values: list[str]) -> None:
    body = StitchedBody.split(PAGE, (TOKEN, KEY))
    expected = body.plain(values)
    zipped = body.gzip(values)
    assert gzip.decompress(zipped) == expected
    # Strict single-member decoding: nothing left over, the CRC and length checked.
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert decoder.decompress(zipped) == expected
    assert decoder.eof
    assert decoder.unused_data == b""


def test_a_page_without_slots_is_one_piece() -> None:
    body = StitchedBody.split("<p>Plain</p>", (TOKEN, KEY))
    assert body.slots == ()
    assert gzip.decompress(body.gzip([])) == b"<p>Plain</p>"


def test_each_piece_is_compressed_well() -> None:
    body = StitchedBody.split(PAGE, (TOKEN, KEY))
    zipped = body.gzip([TOKEN, TOKEN, KEY, KEY, TOKEN])
    assert len(zipped) < len(PAGE.encode()) / 20
    assert body.size == sum(map(len, body.pieces)) + sum(map(len, body.deflated))
