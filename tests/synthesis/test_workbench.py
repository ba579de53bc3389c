"""The drafting workbench: the space's comments filtered beside a draft, citing from them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.curation import service as curation
from app.drafts import service as drafts
from app.markup import plain_text
from app.models import (
    Comment,
    CommentTag,
    Excerpt,
    NoteDraft,
    ObjectiveSuggestion,
    Tag,
    Theme,
    ThemeMember,
)
from app.models.analysis import SuggestionState, ThemeKind
from app.models.curation import DraftState, EditorialState
from app.synthesis import sentences, workbench
from tests.conftest import StatementCounter
from tests.factories import Factory, sign_in
from tests.html import parse, texts
from tests.synthesis.conftest import Consultation

NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)


def _draft(db: Session, factory: Factory, c: Consultation) -> NoteDraft:
    viewer = factory.viewer(c.moderator)
    return drafts.create_draft(
        db, viewer, c.space, template="background-note", lang="en", title="A note", now=NOW
    )


def _listed(client: TestClient, draft: NoteDraft, **query: str) -> set[int]:
    response = client.get(f"/en/drafts/{draft.id}/workbench", params=query)
    assert response.status_code == 200, response.text
    page = parse(response.text)
    return {
        int(str(node.attributes["id"]).removeprefix("wb-c-"))
        for node in page.css("article.comment[id^=wb-c-]")
    }


def _form(draft: NoteDraft, **fields: str) -> dict[str, str]:
    """The workbench's draft form as a browser sends it: every section as typed."""
    sections = drafts.template_of(draft).sections
    typed = {f"section_{s.key}": draft.content["sections"].get(s.key, "") for s in sections}
    return {
        "title": draft.title,
        "base_version": str(draft.version),
        "section": sections[0].key,
        **typed,
        **fields,
    }


@pytest.fixture
def other_question(factory: Factory, consultation: Consultation) -> Comment:
    """A second question with one comment, written in a word nobody else uses."""
    question = factory.question(consultation.space, consultation.moderator, "And housing?")
    author = factory.user("Ana Housing")
    return factory.comment(
        consultation.space,
        author,
        "Housing near the border is scarce and the zanzibarine rents are far too high.",
        parent=question,
        lang="en",
    )


def test_filters_narrow_the_list(
    client: TestClient,
    db: Session,
    factory: Factory,
    consultation: Consultation,
    other_question: Comment,
    analyse: Callable[[], int],
) -> None:
    analyse()
    c = consultation
    viewer = factory.viewer(c.moderator)
    draft = _draft(db, factory, c)
    every = {comment.id for comment in c.comments.values()} | {other_question.id}
    chosen = next(iter(c.comments.values()))
    curation.set_state(db, viewer, chosen, state=EditorialState.USED, reason="", now=NOW)
    curation.add_tag(db, viewer, chosen, objective="20", now=NOW)
    db.flush()
    sign_in(client, c.moderator)

    assert _listed(client, draft) == every
    assert _listed(client, draft, question=str(c.question.id)) == every - {other_question.id}
    french = {comment.id for comment in c.comments.values() if comment.lang == "fr"}
    assert french
    assert _listed(client, draft, language="fr") == french
    assert _listed(client, draft, state="used") == {chosen.id}
    assert _listed(client, draft, q="zanzibarine") == {other_question.id}
    # Tagged or suggested (and not dismissed).
    tagged = set(
        db.scalars(
            select(CommentTag.comment_id)
            .join(Tag, Tag.id == CommentTag.tag_id)
            .where(Tag.taxonomy == "gcm", Tag.code == "20")
        )
    )
    suggested = set(
        db.scalars(
            select(ObjectiveSuggestion.comment_id).where(
                ObjectiveSuggestion.code == 20,
                ObjectiveSuggestion.state == SuggestionState.SUGGESTED,
            )
        )
    )
    assert chosen.id in tagged
    assert _listed(client, draft, objective="20") == (tagged | suggested) & every
    theme = db.scalars(
        select(Theme).where(Theme.space_id == c.space.id, Theme.kind == ThemeKind.THEME)
    ).first()
    assert theme is not None
    members = set(
        db.scalars(select(ThemeMember.comment_id).where(ThemeMember.theme_id == theme.id))
    )
    assert members
    assert _listed(client, draft, theme=str(theme.id)) == members
    # Filters combine.
    assert _listed(client, draft, theme=str(theme.id), language="fr") == members & french
    # Values that mean nothing are ignored, never an error page.
    for junk in (
        {"question": "abc"},
        {"theme": "999999"},
        {"objective": "77"},
        {"language": "xx"},
        {"state": "lost"},
        {"page": "-3"},
        {"q": '"'},
    ):
        assert _listed(client, draft, **junk) == every, junk


def test_each_comment_shows_who_when_and_its_sentences(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    sign_in(client, c.moderator)
    page = parse(client.get(f"/en/drafts/{draft.id}/workbench").text)
    comment = next(iter(c.comments.values()))
    article = page.css_first(f"#wb-c-{comment.id}")
    assert article is not None
    header = " ".join(article.css_first("header").text(separator=" ").split())
    author = db.get(type(c.moderator), comment.author_id)
    assert author is not None
    assert author.display_name in header
    text = plain_text(comment.body_html)
    buttons = [b.attributes["value"] for b in article.css("button.cite")]
    # No vector yet: the sentences are cut as the worker would cut them.
    assert buttons == [f"{comment.id}:{s}:{e}:1" for s, e in sentences.spans(text)]
    # The pieces are the comment's whole text, in order.
    assert "".join(p.text() for p in article.css(".piece")) == text


def test_refused_to_anyone_but_the_spaces_moderators(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    comment = next(iter(c.comments.values()))
    outsider = factory.user("Someone Else")
    other_moderator = factory.user("Moderator Elsewhere")
    factory.space(moderators=(other_moderator,))
    routes = [
        ("GET", f"/en/drafts/{draft.id}/workbench", None),
        ("GET", f"/en/drafts/{draft.id}/unheard", None),
        ("POST", f"/en/drafts/{draft.id}/workbench", _form(draft)),
        ("POST", f"/en/drafts/{draft.id}/workbench/cite", _form(draft, cite=f"{comment.id}:0:5")),
    ]
    author = db.get(type(outsider), comment.author_id)
    for who in (None, outsider, other_moderator, author):
        if who is not None:
            sign_in(client, who)
        for method, url, data in routes:
            response = client.request(method, url, data=data)
            # As the draft's own pages: to anyone else the draft does not exist.
            assert response.status_code == 404, (who, method, url)
    assert db.scalars(select(Excerpt)).all() == []


def test_citing_without_javascript_appends_the_excerpt_as_a_new_version(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    before = draft.version
    comment = next(iter(c.comments.values()))
    text = plain_text(comment.body_html)
    start, end = sentences.spans(text)[1]
    sign_in(client, c.moderator)
    form = _form(draft, section="objectives", section_objectives="Our own words.")
    response = client.post(
        f"/en/drafts/{draft.id}/workbench/cite?language=fr",
        data={**form, "cite": f"{comment.id}:{start}:{end}"},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == (
        f"/en/drafts/{draft.id}/workbench?language=fr#draft-section_objectives"
    )
    excerpt = db.scalars(select(Excerpt)).one()
    assert (excerpt.comment_id, excerpt.start, excerpt.end) == (comment.id, start, end)
    assert excerpt.text == text[start:end]
    assert excerpt.lang == comment.lang
    db.refresh(draft)
    assert draft.version == before + 1
    assert draft.content["sections"]["objectives"] == f"Our own words.\n\n[e:{excerpt.id}]"
    # A free selection, by the comment's own fields: appended after the first.
    cut = text.index(" ", start) + 1  # from the sentence's second word
    passage = text[cut:end]
    response = client.post(
        f"/en/drafts/{draft.id}/workbench/cite",
        data={
            **_form(draft, section="objectives"),
            "cite": str(comment.id),
            f"passage-{comment.id}": passage,
            f"start-{comment.id}": str(cut),
        },
    )
    assert response.status_code == 303, response.text
    second = db.scalars(select(Excerpt).where(Excerpt.id != excerpt.id)).one()
    assert (second.start, second.end, second.text) == (cut, end, passage)
    db.refresh(draft)
    assert draft.content["sections"]["objectives"] == (
        f"Our own words.\n\n[e:{excerpt.id}]\n\n[e:{second.id}]"
    )


def test_citing_with_htmx_makes_the_excerpt_and_gives_its_marker_only(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    before = draft.version
    comment = next(iter(c.comments.values()))
    start, end = sentences.spans(plain_text(comment.body_html))[0]
    sign_in(client, c.moderator)
    response = client.post(
        f"/en/drafts/{draft.id}/workbench/cite",
        data=_form(draft, cite=f"{comment.id}:{start}:{end}"),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.text
    excerpt = db.scalars(select(Excerpt)).one()
    status = parse(response.text).css_first("#cite-status")
    assert status is not None
    assert status.attributes["data-marker"] == f"[e:{excerpt.id}]"
    db.refresh(draft)
    assert draft.version == before  # saved when the moderator saves


def test_a_stale_base_version_merges_and_keeps_both_texts(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    stale = _form(draft)
    # Someone else saves another section meanwhile.
    drafts.save(
        db,
        factory.viewer(c.moderator),
        draft,
        base_version=draft.version,
        title=draft.title,
        sections={**draft.content["sections"], "background": "Their background."},
        now=NOW,
    )
    db.flush()
    comment = next(iter(c.comments.values()))
    start, end = sentences.spans(plain_text(comment.body_html))[0]
    sign_in(client, c.moderator)
    response = client.post(
        f"/en/drafts/{draft.id}/workbench/cite",
        data={
            **stale,
            "section": "objectives",
            "section_objectives": "My objectives.",
            "cite": f"{comment.id}:{start}:{end}",
        },
    )
    assert response.status_code == 303, response.text
    excerpt = db.scalars(select(Excerpt)).one()
    db.refresh(draft)
    assert draft.content["sections"]["background"] == "Their background."
    assert draft.content["sections"]["objectives"] == f"My objectives.\n\n[e:{excerpt.id}]"

    # Both change the same section from a stale version: 409, nothing lost, the excerpt kept.
    stale = _form(draft)
    drafts.save(
        db,
        factory.viewer(c.moderator),
        draft,
        base_version=draft.version,
        title=draft.title,
        sections={**draft.content["sections"], "objectives": "Their objectives."},
        now=NOW,
    )
    db.flush()
    version = draft.version
    response = client.post(
        f"/en/drafts/{draft.id}/workbench/cite",
        data={
            **stale,
            "section": "objectives",
            "section_objectives": "Mine, typed.",
            "cite": f"{comment.id}:{start}:{end}",
        },
    )
    assert response.status_code == 409, response.text
    page = parse(response.text)
    newest = db.scalars(select(Excerpt).order_by(Excerpt.id.desc())).first()
    assert newest is not None
    assert newest.id != excerpt.id
    box = page.css_first("#draft-section_objectives")
    assert box is not None
    assert box.text() == f"Mine, typed.\n\n[e:{newest.id}]"
    theirs = page.css_first("#draft-section_objectives-theirs pre")
    assert theirs is not None
    assert theirs.text() == "Their objectives."
    base = page.css_first("#draft input[name=base_version]")
    assert base is not None
    assert base.attributes["value"] == str(version)
    db.refresh(draft)
    assert draft.version == version


def test_saving_from_the_workbench_merges_like_the_draft_page(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    sign_in(client, c.moderator)
    before = draft.version
    response = client.post(
        f"/en/drafts/{draft.id}/workbench?language=es",
        data=_form(draft, section_background="Written on the workbench."),
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/en/drafts/{draft.id}/workbench?language=es&saved=1"
    db.refresh(draft)
    assert draft.version == before + 1
    assert draft.content["sections"]["background"] == "Written on the workbench."
    page = parse(client.get(response.headers["location"]).text)
    assert texts(page, "p.note[role=status]") == ["Saved."]


def test_errors_are_shown_beside_the_field_with_what_was_typed(
    client: TestClient, db: Session, factory: Factory, consultation: Consultation
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    version = draft.version
    comment = next(iter(c.comments.values()))
    sign_in(client, c.moderator)
    url = f"/en/drafts/{draft.id}/workbench/cite"
    typed = {"section_background": "Typed and not saved."}

    # A passage that is not in the comment.
    response = client.post(
        url,
        data={
            **_form(draft, **typed),
            "cite": str(comment.id),
            f"passage-{comment.id}": "Words nobody wrote.",
        },
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert texts(page, f"#draft-passage-{comment.id}-error") == [
        "This passage is not in the comment as it reads now."
    ]
    assert page.css_first(f"#draft-passage-{comment.id}").text() == "Words nobody wrote."
    assert page.css_first("#draft-section_background").text() == "Typed and not saved."

    # A sentence whose offsets are not the comment's.
    response = client.post(url, data={**_form(draft, **typed), "cite": f"{comment.id}:5:99999"})
    assert response.status_code == 422
    assert texts(parse(response.text), "#draft-cite") == [
        "This passage is not in the comment as it reads now."
    ]

    # Offsets of an older version of the comment.
    response = client.post(url, data={**_form(draft, **typed), "cite": f"{comment.id}:0:9:7"})
    assert response.status_code == 422
    assert texts(parse(response.text), "#draft-cite") == [
        "This passage is not in the comment as it reads now."
    ]

    # A section the draft does not have.
    start, end = sentences.spans(plain_text(comment.body_html))[0]
    cite = f"{comment.id}:{start}:{end}"
    response = client.post(url, data={**_form(draft, **typed), "section": "nowhere", "cite": cite})
    assert response.status_code == 422
    page = parse(response.text)
    assert texts(page, "#draft-section-error") == ["Choose a section of this draft."]
    assert page.css_first("#draft-section_background").text() == "Typed and not saved."

    # A comment of another space, or hidden: never offered, never cited.
    other = factory.space(moderators=(c.moderator,))
    elsewhere = factory.comment(other, c.moderator, "Somewhere else entirely, in other words.")
    response = client.post(url, data={**_form(draft, **typed), "cite": f"{elsewhere.id}:0:10"})
    assert response.status_code == 422
    assert texts(parse(response.text), "#draft-cite") == [
        "This comment cannot be cited: it is not published here."
    ]

    # An approved draft is frozen.
    viewer = factory.viewer(c.moderator)
    drafts.change_state(db, viewer, draft, to=DraftState.IN_REVIEW, note="", now=NOW)
    drafts.change_state(db, viewer, draft, to=DraftState.APPROVED, note="", now=NOW)
    db.flush()
    response = client.post(url, data={**_form(draft, **typed), "cite": cite})
    assert response.status_code == 422
    page = parse(response.text)
    assert "approved" in " ".join(texts(page, ".error"))
    assert page.css_first("#draft-section_background").text() == "Typed and not saved."
    assert db.scalars(select(Excerpt)).all() == []
    db.refresh(draft)
    assert draft.version == version + 2  # the two changes of state, no save


def test_the_pages_statements_do_not_grow_with_the_comments(
    client: TestClient,
    db: Session,
    factory: Factory,
    consultation: Consultation,
    count_statements: StatementCounter,
) -> None:
    c = consultation
    draft = _draft(db, factory, c)
    sign_in(client, c.moderator)
    url = f"/en/drafts/{draft.id}/workbench"
    client.get(url)
    count_statements.count = 0
    assert client.get(url).status_code == 200
    few = count_statements.count
    author = factory.user("Many Words")
    for i in range(30):
        factory.comment(
            c.space,
            author,
            f"Another contribution number {i} about fees. It has two sentences here.",
            parent=c.question,
        )
    db.flush()
    client.get(url)
    count_statements.count = 0
    response = client.get(url)
    assert response.status_code == 200
    page = parse(response.text)
    # A page holds PAGE_SIZE comments; the rest are a link away.
    assert len(page.css("article.comment")) == min(len(c.comments) + 30, workbench.PAGE_SIZE)
    more = page.css_first("nav.pages a")
    assert more is not None
    assert "page=2" in more.attributes["href"]
    assert count_statements.count == few, count_statements.statements
