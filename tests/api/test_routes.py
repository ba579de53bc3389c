from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory, sign_in


def test_spaces_and_comments_as_json(client: TestClient, factory: Factory) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="api", moderators=(mod,))
    q = factory.question(space, mod, "First question?")
    factory.comment(space, alice, "Réponse en français.", parent=q, lang="fr")
    spaces = client.get("/api/v1/spaces").json()
    assert [s["slug"] for s in spaces] == ["api"]
    assert spaces[0]["moderators"] == ["Moderator Mona"]
    page = client.get("/api/v1/spaces/api/comments").json()
    assert [(c["kind"], c["depth"], c["lang"]) for c in page["comments"]] == [
        ("question", 0, "en"),
        ("comment", 1, "fr"),
    ]
    assert page["comments"][0]["author_is_moderator"] is True
    assert page["next_after"] is None


def test_post_through_the_api_detects_the_language(client: TestClient, factory: Factory) -> None:
    alice = factory.user()
    factory.space(slug="api2")
    assert client.post("/api/v1/spaces/api2/comments", json={"body": "x"}).status_code == 403
    sign_in(client, alice)
    response = client.post(
        "/api/v1/spaces/api2/comments",
        json={"body": "Las organizaciones de migrantes deben participar en el diseño."},
    )
    assert response.status_code == 201
    assert response.json()["lang"] == "es"
    bad = client.post("/api/v1/spaces/api2/comments", json={"body": "x", "lang": "de"})
    assert bad.status_code == 422
    assert "lang" in bad.json()["errors"]


def test_api_404_is_json(client: TestClient) -> None:
    response = client.get("/api/v1/spaces/nope/comments")
    assert response.status_code == 404
    assert response.json() == {
        "detail": "There is nothing here. The address may be mistyped, or the page was removed."
    }


def test_openapi_document_describes_the_json_api_only(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["paths"]
    assert all(path.startswith("/api/") for path in document["paths"])
