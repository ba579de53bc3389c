from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from fastapi.testclient import TestClient

from app import i18n
from tests.factories import Factory
from tests.html import one, parse

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"gettext": None, "ngettext": (1, 2), "_": None}
METHODS = [
    ("app/**.py", "python"),
    ("templates/**.html", "jinja2"),
    ("templates/**.txt", "jinja2"),
]


def _catalog(locale: str) -> Catalog:
    with (ROOT / "locales" / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


def _source_messages() -> set[str]:
    found: set[str] = set()
    jinja = {"extensions": "jinja2.ext.i18n", "trim_blocks": "true", "lstrip_blocks": "true"}
    options = {"templates/**.html": jinja, "templates/**.txt": jinja}
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), METHODS, options_map=options, keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", ["fr", "es"])
def test_catalogue_is_complete_and_current(locale: str) -> None:
    catalog = _catalog(locale)
    ids = {m.id if isinstance(m.id, str) else m.id[0]: m for m in catalog if m.id}
    missing_from_catalog = _source_messages() - set(ids)
    assert not missing_from_catalog, f"run `make messages`: {sorted(missing_from_catalog)[:5]}"
    untranslated = [
        key
        for key, m in ids.items()
        if not (all(m.string) if isinstance(m.string, tuple) else m.string)
    ]
    fuzzy = [key for key, m in ids.items() if m.fuzzy]
    assert not untranslated, f"untranslated in {locale}: {untranslated[:5]}"
    assert not fuzzy, f"fuzzy in {locale}: {fuzzy[:5]}"
    problems = [(m.id, err) for m, errors in catalog.check() for err in errors]
    assert not problems, problems[:5]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("fr-CA,fr;q=0.9,en;q=0.5", "fr"),
        ("de-DE,es;q=0.8,en;q=0.7", "es"),
        ("en-GB", "en"),
        ("zh-CN", "en"),
        ("", "en"),
        ("es;q=0.2, fr;q=0.9", "fr"),
        ("*", "en"),
        ("fr;q=garbage, es", "es"),
    ],
)
def test_accept_language_negotiation(header: str, expected: str) -> None:
    assert i18n.negotiate(header) == expected


def test_root_redirects_to_the_negotiated_language(client: TestClient) -> None:
    response = client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert response.status_code == 307
    assert response.headers["location"] == "/es/"
    assert "Accept-Language" in response.headers["vary"]


@pytest.mark.parametrize("locale", ["en", "fr", "es"])
def test_ui_is_translated_and_marked_with_its_language(client: TestClient, locale: str) -> None:
    tree = parse(client.get(f"/{locale}/").text)
    assert one(tree, "html").attributes["lang"] == locale
    expected = i18n.translations(locale).gettext("Discussion spaces")
    assert one(tree, "h1").text(strip=True) == expected
    if locale != "en":
        assert expected != "Discussion spaces"


def test_language_switcher_keeps_the_current_page(client: TestClient, factory: Factory) -> None:
    factory.space(slug="mobility")
    tree = parse(client.get("/fr/spaces/mobility?after=0").text)
    links = {a.attributes["hreflang"]: a for a in tree.css(".langs a")}
    assert links["es"].attributes["href"] == "/es/spaces/mobility?after=0"
    assert links["en"].attributes["href"] == "/en/spaces/mobility?after=0"
    assert links["fr"].attributes.get("aria-current") == "true"


def test_dates_are_formatted_for_the_locale(client: TestClient, factory: Factory) -> None:
    factory.space(slug="dates")

    def closes(lang: str) -> str:
        tree = parse(client.get(f"/{lang}/spaces/dates").text)
        return tree.css(".dates time")[1].text(strip=True)

    english, french, spanish = closes("en"), closes("fr"), closes("es")
    assert len({english, french, spanish}) == 3
    opened = parse(client.get("/fr/spaces/dates").text).css(".dates time")[0]
    assert opened.attributes["datetime"].endswith("+00:00")
