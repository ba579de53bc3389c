"""Names people cannot use to pass for somebody (or something) else."""

from __future__ import annotations

import pytest

from app.accounts import names


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Amara   Diallo ", "Amara Diallo"),
        ("\u202eAmara\u202c Diallo", "Amara Diallo"),  # right-to-left override
        ("\u2067Amara\u2069", "Amara"),  # isolate
        ("Ama\u200bra", "Amara"),  # zero-width space
        ("Ama\u00adra", "Amara"),  # soft hyphen
        ("\ufeffAmara", "Amara"),  # byte order mark
        ("Jose\u0301", "Jos\u00e9"),  # combining accent composed (NFC)
    ],
)
def test_display_names_lose_invisible_characters_and_are_nfc(raw: str, clean: str) -> None:
    assert names.clean_display_name(raw) == clean


def test_names_differing_only_by_case_width_or_invisibles_share_one_key() -> None:
    keys = {
        names.display_name_key(names.clean_display_name(raw))
        for raw in ("Alice Achieng", "ALICE ACHIENG", "Ａｌｉｃｅ Achieng", "Ali\u200bce Achieng")
    }
    assert len(keys) == 1


@pytest.mark.parametrize(
    "raw", ["Admin", "Modérateur", "A participant", "Ad\u200bmin", "ＳＴＡＦＦ"]
)
def test_reserved_names_are_recognised_however_written(raw: str) -> None:
    assert names.is_reserved(names.clean_display_name(raw))


def test_control_characters_are_detected() -> None:
    assert names.has_control_chars("Amara\x07")
    assert not names.has_control_chars("Amara Diallo")
