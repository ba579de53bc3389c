from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Ban, Comment, ModerationEvent, Space, SpaceModerator, SpaceText, User
from tests.factories import Factory, sign_in
from tests.html import one, parse, texts


@pytest.fixture
def admin(factory: Factory) -> User:
    return factory.user("Ada Admin", admin=True)


def test_create_space_with_texts_per_language(client: TestClient, db: Session, admin: User) -> None:
    sign_in(client, admin)
    response = client.post(
        "/en/admin/spaces",
        data={
            "slug": "skills-2027",
            "original_lang": "fr",
            "opens_on": "2027-01-10",
            "closes_on": "2027-02-10",
            "title_fr": "Compétences et mobilité",
            "intro_fr": "Partagez **vos** expériences.",
            "title_en": "Skills and mobility",
        },
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/en/admin/spaces/skills-2027"
    space = db.scalars(select(Space).where(Space.slug == "skills-2027")).one()
    assert space.original_lang == "fr"
    assert space.opens_at.date().isoformat() == "2027-01-10"
    found = {t.lang: t for t in db.scalars(select(SpaceText).where(SpaceText.space_id == space.id))}
    assert set(found) == {"fr", "en"}
    assert found["fr"].intro_html == "<p>Partagez <strong>vos</strong> expériences.</p>\n"


def test_create_space_errors_keep_what_was_typed(client: TestClient, admin: User) -> None:
    sign_in(client, admin)
    response = client.post(
        "/fr/admin/spaces",
        data={
            "slug": "Not a slug!",
            "original_lang": "en",
            "closes_on": "soon",
            "intro_en": "My long careful introduction.",
        },
    )
    assert response.status_code == 422
    page = parse(response.text)
    assert len(texts(page, "#new-space .error-summary li")) == 3
    assert one(page, "#new-space-slug").attributes["value"] == "Not a slug!"
    assert one(page, "#new-space-intro_en").text() == "My long careful introduction."
    assert texts(page, "#new-space-closes_on-error") == ["Saisissez une date comme 2027-03-31."]


def test_edit_texts_and_moderators(
    client: TestClient, db: Session, factory: Factory, admin: User
) -> None:
    space = factory.space(slug="pathways", titles={"en": "Pathways", "es": "Vías"})
    mona = factory.user("Moderator Mona")
    sign_in(client, admin)
    form = parse(client.get("/en/admin/spaces/pathways").text)
    assert one(form, "#texts-title_es").attributes["value"] == "Vías"
    opened = one(form, "input[name=texts_version]").attributes["value"]
    response = client.post(
        "/en/admin/spaces/pathways",
        data={
            "title_en": "Pathways",
            "title_fr": "Voies",
            "intro_fr": "Bienvenue",
            "title_es": "",
            "texts_version": opened,
        },
    )
    assert response.status_code == 303
    langs = set(db.scalars(select(SpaceText.lang).where(SpaceText.space_id == space.id)))
    assert langs == {"en", "fr"}
    current = one(parse(client.get("/en/admin/spaces/pathways").text), "input[name=texts_version]")
    assert current.attributes["value"] != opened
    response = client.post(
        "/en/admin/spaces/pathways",
        data={"title_en": "", "texts_version": current.attributes["value"]},
    )
    assert response.status_code == 422  # the original language keeps a title
    # A form opened before the last save is refused with what it says kept, never applied.
    stale = client.post(
        "/en/admin/spaces/pathways",
        data={"title_en": "Older form", "title_fr": "Ancien", "texts_version": opened},
    )
    assert stale.status_code == 409
    page = parse(stale.text)
    assert one(page, "#texts-title_fr").attributes["value"] == "Ancien"
    assert one(page, "input[name=texts_version]").attributes["value"] == current.attributes["value"]
    assert texts(page, "#texts-title_en-error") == [
        "Someone else changed these texts after you opened them. Your texts are kept in the "
        "form; save again to replace theirs, or reload to see them."
    ]
    titles = set(db.scalars(select(SpaceText.title).where(SpaceText.space_id == space.id)))
    assert titles == {"Pathways", "Voies"}
    assert (
        client.post(
            "/en/admin/spaces/pathways/moderators", data={"who": "moderator mona"}
        ).status_code
        == 303
    )
    assert db.get(SpaceModerator, (space.id, mona.id)) is not None
    response = client.post("/en/admin/spaces/pathways/moderators", data={"who": "nobody"})
    assert texts(parse(response.text), "#moderator-who-error") == [
        "No account has this e-mail address or name."
    ]
    client.post(f"/en/admin/spaces/pathways/moderators/{mona.id}/remove")
    assert db.get(SpaceModerator, (space.id, mona.id)) is None


def test_roles_and_site_wide_suspension(
    client: TestClient, db: Session, factory: Factory, admin: User
) -> None:
    bob = factory.user("Bob Baptiste")
    sign_in(client, admin)
    users = parse(client.get("/en/admin/users?q=bob").text)
    assert texts(users, "tbody th") == ["Bob Baptiste"]
    client.post(f"/en/admin/users/{bob.id}/role", data={"admin": "1"})
    db.refresh(bob)
    assert bob.is_admin
    client.post(f"/en/admin/users/{bob.id}/role")
    db.refresh(bob)
    assert not bob.is_admin
    response = client.post(f"/en/admin/users/{admin.id}/role")
    assert response.status_code == 422
    response = client.post(f"/en/admin/users/{bob.id}/ban", data={"reason": ""})
    assert response.status_code == 422
    assert (
        client.post(f"/en/admin/users/{bob.id}/ban", data={"reason": "Spam everywhere"}).status_code
        == 303
    )
    ban = db.scalars(select(Ban)).one()
    assert (ban.user_id, ban.space_id) == (bob.id, None)


def test_space_settings_are_validated_and_audited(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona = factory.user("Moderator Mona")
    space = factory.space(slug="pathways", moderators=(mona,))
    sign_in(client, mona)
    form = parse(client.get("/en/spaces/pathways/settings").text)
    assert one(form, "#settings-posting_policy option[selected]").attributes["value"] == (
        "post-moderation"
    )
    version = one(form, "#settings input[name=version]").attributes["value"]
    bad = client.post(
        "/en/spaces/pathways/settings",
        data={
            "version": version,
            "posting_policy": "pre-moderation",
            "attribution": "secret",
            "opens_on": "2026-01-01",
            "closes_on": "",
            "max_shown_depth": "99",
            "flag_threshold": "2",
        },
    )
    assert bad.status_code == 422
    assert len(texts(parse(bad.text), "#settings .error-summary li")) == 2
    good = client.post(
        "/en/spaces/pathways/settings",
        data={
            "version": version,
            "posting_policy": "pre-moderation",
            "attribution": "chatham-house",
            "opens_on": "2026-01-01",
            "closes_on": "",
            "max_shown_depth": "3",
            "flag_threshold": "2",
        },
    )
    assert good.status_code == 303
    db.refresh(space)
    assert (space.posting_policy, space.attribution, space.max_shown_depth) == (
        "pre-moderation",
        "chatham-house",
        3,
    )
    assert space.closes_at is None
    [event] = db.scalars(select(ModerationEvent)).all()
    assert event.action == "settings"


@pytest.mark.parametrize(
    ("rule", "consent", "shown"),
    [
        ("named", False, "Alice Achieng"),
        ("chatham-house", True, "Participant"),
        ("consent", False, "Participant"),
        ("consent", True, "Alice Achieng"),
    ],
)
def test_attribution_rule_on_pages_and_json(
    client: TestClient,
    db: Session,
    factory: Factory,
    rule: str,
    consent: bool,
    shown: str,
) -> None:
    mona = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    bob = factory.user("Bob Baptiste")
    space = factory.space(slug="pathways", moderators=(mona,))
    space.attribution = rule
    question = factory.question(space, mona, "Which pathways?")
    comment = factory.comment(space, alice, "Skills partnerships.", parent=question)
    comment.named_consent = consent
    reply = factory.comment(space, bob, "Agreed.", parent=comment)
    db.flush()
    sign_in(client, bob)
    page = parse(client.get("/en/spaces/pathways").text)
    assert texts(one(page, f"#c-{comment.id}"), ".author") == [shown]
    reply_to = texts(one(page, f"#c-{reply.id}"), ".reply-to a")[0]
    assert reply_to == (shown if shown != "Participant" else "a participant")
    assert texts(one(page, f"#c-{question.id}"), ".author") == ["Moderator Mona"]
    api = client.get("/api/v1/spaces/pathways/comments").json()["comments"]
    [row] = [c for c in api if c["id"] == comment.id]
    assert row["author"] == (None if shown == "Participant" else shown)
    # Moderators always know who wrote what.
    sign_in(client, mona)
    page = parse(client.get("/en/spaces/pathways").text)
    assert texts(one(page, f"#c-{comment.id}"), ".author") == ["Alice Achieng"]


def test_consent_checkbox_is_offered_and_stored(
    client: TestClient, db: Session, factory: Factory
) -> None:
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="pathways")
    space.attribution = "consent"
    db.flush()
    sign_in(client, alice)
    page = parse(client.get("/en/spaces/pathways").text)
    assert one(page, "#post-form-named_consent").attributes["type"] == "checkbox"
    client.post(
        "/en/spaces/pathways/comments",
        data={"body": "Name me.", "lang": "en", "named_consent": "1"},
    )
    assert db.scalars(select(Comment.named_consent)).all() == [True]


def test_deep_replies_stop_indenting_at_the_space_limit_but_say_whom_they_answer(
    client: TestClient, db: Session, factory: Factory
) -> None:
    people = [factory.user(f"Person {n}") for n in range(5)]
    space = factory.space(slug="pathways")
    space.max_shown_depth = 2
    parent = factory.comment(space, people[0], "Level zero.")
    chain = [parent]
    for n in range(1, 5):
        chain.append(factory.comment(space, people[n], f"Level {n}.", parent=chain[-1]))
    db.flush()
    page = parse(client.get("/en/spaces/pathways").text)
    depths = [
        next(c for c in one(page, f"#c-{c.id}").attributes["class"].split() if c[0] == "d")
        for c in chain
    ]
    assert depths == ["d0", "d1", "d2", "d2", "d2"]
    assert texts(one(page, f"#c-{chain[4].id}"), ".reply-to a") == ["Person 3"]


def test_two_moderators_saving_settings_one_wins_the_other_gets_409(
    client: TestClient, db: Session, factory: Factory
) -> None:
    mona, omar = factory.user("Moderator Mona"), factory.user("Moderator Omar")
    space = factory.space(slug="pathways", moderators=(mona, omar))
    sign_in(client, mona)
    opened = one(
        parse(client.get("/en/spaces/pathways/settings").text), "#settings input[name=version]"
    ).attributes["value"]
    base = {
        "opens_on": "2026-01-01",
        "closes_on": "",
        "max_shown_depth": "4",
        "flag_threshold": "3",
        "version": opened,
    }
    first = {**base, "posting_policy": "pre-moderation", "attribution": "named"}
    assert client.post("/en/spaces/pathways/settings", data=first).status_code == 303
    sign_in(client, omar)
    second = {**base, "posting_policy": "post-moderation", "attribution": "chatham-house"}
    response = client.post("/en/spaces/pathways/settings", data=second)
    assert response.status_code == 409
    page = parse(response.text)
    chosen = one(page, "#settings-attribution option[selected]").attributes["value"]
    assert chosen == "chatham-house"  # Omar's choices are still in the form
    db.refresh(space)
    assert (space.posting_policy, space.attribution) == ("pre-moderation", "named")
    current = one(page, "#settings input[name=version]").attributes["value"]
    retry = {**second, "version": current}
    assert client.post("/en/spaces/pathways/settings", data=retry).status_code == 303
    db.refresh(space)
    assert space.attribution == "chatham-house"
