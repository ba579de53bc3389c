"""The rules a schema cannot say, for a document the schema accepts.

References, order and depth of replies, question numbers, languages (the site's, the
space's, a translation's), tags, names people could not register under, dates that do
not exist, and characters no database stores. `semantic_problems` lists every break of
them, in document order; `parse_time` and `tag_index` read times and tags as the checks
did, for the writer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from app.accounts import names
from app.comments import threads
from app.i18n import LOCALES, gettext
from app.interchange.importer.accounts import clean_name
from app.interchange.importer.problems import PathParts, Problem, in_document_order
from app.models.comments import CommentKind

# NUL and lone surrogates: valid in JSON, refused by the databases.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse_time(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def _real_time(raw: str) -> bool:
    try:
        parse_time(raw).astimezone(UTC)  # year 9999 at -05:00 is past the calendar's end
    except (ValueError, OverflowError):
        return False
    return True


def _strings(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, [*path, index])


def _date_fields(document: dict[str, Any]) -> Iterator[tuple[list[str | int], str | None]]:
    yield ["exported_at"], document["exported_at"]
    space = document["space"]
    yield ["space", "opens_at"], space["opens_at"]
    yield ["space", "closes_at"], space.get("closes_at")
    for i, c in enumerate(document["comments"]):
        for key in ("created_at", "edited_at", "moderated_at"):
            yield ["comments", i, key], c.get(key)
        for j, r in enumerate(c.get("revisions", [])):
            for key in ("written_at", "replaced_at"):
                yield ["comments", i, "revisions", j, key], r[key]
        for j, a in enumerate(c.get("attachments", [])):
            yield ["comments", i, "attachments", j, "created_at"], a.get("created_at")


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[PathParts, str]] = []

    def add(self, parts: PathParts, message: str) -> None:
        self.items.append((list(parts), message))


def _check_space(space: dict[str, Any], out: _Problems) -> list[str]:
    languages: list[str] = space["languages"]
    for i, code in enumerate(languages):
        if code not in LOCALES:
            out.add(
                ["space", "languages", i],
                gettext("This site does not support the language %(code)s.", code=code),
            )
    if space["original_lang"] not in languages:
        out.add(
            ["space", "original_lang"],
            gettext("The original language must be one of the space's languages."),
        )
    for code in space["texts"]:
        if code not in languages:
            out.add(["space", "texts", code], _not_a_space_language(languages))
    if space["original_lang"] not in space["texts"]:
        out.add(["space", "texts"], gettext("Give the space a title in its original language."))
    for i, name in enumerate(space.get("moderators", [])):
        if (problem := _name_problem(name)) is not None:
            out.add(["space", "moderators", i], problem)
    return languages


def _not_a_space_language(languages: list[str]) -> str:
    return gettext(
        "This language is not one of the space's languages (%(languages)s).",
        languages=", ".join(languages),
    )


def _name_problem(raw: str) -> str | None:
    """Why a name cannot be an author's here: the rules registration applies, so a file
    cannot bring in the "admin", "Modérateur" or "Participant" nobody may sign up as."""
    name = clean_name(raw)
    if name is None:
        return gettext("This name is empty, too long or contains characters that are not allowed.")
    if names.is_reserved(name):
        return gettext("This name is reserved; please choose another.")
    return None


def _tag_keys(tags: list[dict[str, Any]], out: _Problems) -> dict[tuple[str, str], int]:
    keys: dict[tuple[str, str], int] = {}
    for i, tag in enumerate(tags):
        key = (tag["taxonomy"], tag["code"])
        if key in keys:
            out.add(["tags", i], gettext("Another tag in the list has the same taxonomy and code."))
        else:
            keys[key] = i
    return keys


def tag_index(item: Any, tag_keys: dict[tuple[str, str], int], count: int) -> int | None:
    if isinstance(item, int):
        return item if item < count else None
    return tag_keys.get((item["taxonomy"], item["code"]))


def _check_comment(
    i: int,
    c: dict[str, Any],
    *,
    languages: list[str],
    depths: dict[str, int],
    all_refs: set[str],
    numbers: set[int],
    tag_keys: dict[tuple[str, str], int],
    tag_count: int,
    out: _Problems,
) -> None:
    here: list[str | int] = ["comments", i]
    parent = c["parent"]
    depth = 0
    if parent is not None:
        if parent not in all_refs:
            out.add([*here, "parent"], gettext("No comment in this file has this reference."))
        elif parent not in depths:
            out.add(
                [*here, "parent"],
                gettext("The comment answered must come before its replies in the file."),
            )
        else:
            depth = depths[parent] + 1
            if depth > threads.MAX_DEPTH:
                out.add(
                    [*here, "parent"],
                    gettext("This thread is too deep to reply further here."),
                )
    if c["ref"] in depths:
        out.add(
            [*here, "ref"], gettext("Another comment in this file already uses this reference.")
        )
    else:
        depths[c["ref"]] = depth
    number = c.get("number")
    if c["kind"] == CommentKind.QUESTION:
        if parent is not None:
            out.add([*here, "parent"], gettext("A question cannot be a reply."))
        if number is None:
            out.add([*here, "number"], gettext("A question needs a number."))
        elif number in numbers:
            out.add([*here, "number"], gettext("Another question already has this number."))
        else:
            numbers.add(number)
    else:
        if number is not None:
            out.add([*here, "number"], gettext("Only questions have a number."))
        if c.get("pinned"):
            out.add([*here, "pinned"], gettext("Only questions can be pinned."))
    if c["lang"] not in languages:
        out.add([*here, "lang"], _not_a_space_language(languages))
    for code in c.get("translations", {}):
        if code == c["lang"]:
            out.add(
                [*here, "translations", code],
                gettext("A translation must be in another language than the comment's."),
            )
        elif code not in languages:
            out.add([*here, "translations", code], _not_a_space_language(languages))
    given: set[int] = set()
    for j, item in enumerate(c.get("tags", [])):
        index = tag_index(item, tag_keys, tag_count)
        if index is None:
            out.add([*here, "tags", j], gettext("This tag is not in the file's list of tags."))
        elif index in given:
            out.add([*here, "tags", j], gettext("This tag is given twice."))
        else:
            given.add(index)
    if (problem := _name_problem(c["author"])) is not None:
        out.add([*here, "author"], problem)
    for j, revision in enumerate(c.get("revisions", [])):
        if (problem := _name_problem(revision["editor"])) is not None:
            out.add([*here, "revisions", j, "editor"], problem)
    for j, attachment in enumerate(c.get("attachments", [])):
        uploader = attachment.get("uploader")
        if uploader is not None and (problem := _name_problem(uploader)) is not None:
            out.add([*here, "attachments", j, "uploader"], problem)


def _newer_fields(document: dict[str, Any], out: _Problems) -> None:
    """A version-1 file using what version 2 added: its writer did not follow version 1."""
    if document["version"] != 1:
        return
    message = gettext("This field is not part of version 1 of the format.")
    if "note_word_target" in document["space"]:
        out.add(["space", "note_word_target"], message)
    for i, c in enumerate(document["comments"]):
        if "attachments" in c:
            out.add(["comments", i, "attachments"], message)


def semantic_problems(document: dict[str, Any]) -> list[Problem]:
    """What a schema-valid document may still get wrong. Assumes `schema_problems` is empty."""
    out = _Problems()
    _newer_fields(document, out)
    for parts, text in _strings(document, []):
        if _UNSTORABLE.search(text):
            out.add(parts, gettext("This text contains characters that are not allowed."))
    times: dict[tuple[str | int, ...], datetime] = {}
    for parts, raw in _date_fields(document):
        if raw is None:
            continue
        if _real_time(raw):
            times[tuple(parts)] = parse_time(raw)
        else:
            out.add(parts, gettext("This date does not exist."))
    space = document["space"]
    languages = _check_space(space, out)
    opens, closes = times.get(("space", "opens_at")), times.get(("space", "closes_at"))
    if opens and closes and closes <= opens:
        out.add(
            ["space", "closes_at"], gettext("The closing date must come after the opening date.")
        )
    tag_keys = _tag_keys(document["tags"], out)
    comments = document["comments"]
    all_refs = {c["ref"] for c in comments}
    depths: dict[str, int] = {}
    numbers: set[int] = set()
    for i, c in enumerate(comments):
        _check_comment(
            i,
            c,
            languages=languages,
            depths=depths,
            all_refs=all_refs,
            numbers=numbers,
            tag_keys=tag_keys,
            tag_count=len(document["tags"]),
            out=out,
        )
    return in_document_order(document, out.items)
