from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import Factory
from tests.html import one, parse, texts


def test_space_list_shows_titles_in_ui_language_with_fallback(
    client: TestClient, factory: Factory
) -> None:
    factory.space(
        slug="mobility", titles={"en": "Labour mobility", "fr": "Mobilité de la main-d'œuvre"}
    )
    factory.space(slug="data", original_lang="fr", titles={"fr": "Données sur les migrations"})
    tree = parse(client.get("/fr/").text)
    assert set(texts(tree, ".space-card h2")) == {
        "Mobilité de la main-d'œuvre",
        "Données sur les migrations",
    }
    english = parse(client.get("/en/").text)
    titles = {n.text(strip=True): n.attributes.get("lang") for n in english.css(".space-card h2")}
    assert titles == {"Labour mobility": "en", "Données sur les migrations": "fr"}


def test_space_page_shows_intro_moderators_dates_and_threads(
    client: TestClient, factory: Factory
) -> None:
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    bruno = factory.user("Bruno Barros")
    space = factory.space(slug="s1", moderators=(mod,))
    q = factory.question(
        space,
        mod,
        "What should the roundtable address?",
        translations={"fr": "Que devrait aborder la table ronde ?"},
    )
    first = factory.comment(space, alice, "Decent work for migrant workers.", parent=q)
    factory.comment(space, bruno, "Je suis d'accord.", parent=first, lang="fr")
    tree = parse(client.get("/en/spaces/s1").text)
    assert one(tree, "h1").text(strip=True) == "Consultation on labour mobility"
    assert texts(tree, ".moderators li") == ["Moderator Mona"]
    assert len(tree.css(".dates time")) == 2
    cards = tree.css("article.comment")
    assert [c.attributes["id"] for c in cards] == [
        f"c-{q.id}",
        f"c-{first.id}",
        f"c-{first.id + 1}",
    ]
    # A card's text says its language only when it is not the page's.
    assert [one(c, ".body").attributes.get("lang") for c in cards] == [None, None, "fr"]
    assert "question" in cards[0].attributes["class"]
    assert one(cards[0], ".badge").text(strip=True) == "Moderator"
    assert one(cards[2], ".reply-to a").text(strip=True) == "Alice Achieng"
    assert "d2" in cards[2].attributes["class"].split()
    # The question reads in the reader's language when its moderator translated it.
    french = parse(client.get("/fr/spaces/s1").text)
    assert (
        one(french, f"#c-{q.id} .body").text(strip=True) == "Que devrait aborder la table ronde ?"
    )


def test_unknown_space_is_a_404_page_in_the_ui_language(client: TestClient) -> None:
    response = client.get("/es/spaces/missing")
    assert response.status_code == 404
    tree = parse(response.text)
    assert one(tree, "html").attributes["lang"] == "es"


def _thread(factory: Factory, size: int) -> str:
    mod = factory.user()
    people = [factory.user() for _ in range(5)]
    space = factory.space(moderators=(mod,))
    q = factory.question(space, mod, "Question?")
    parent = q
    for i in range(size - 1):
        # Alternate new threads and deep replies so both shapes are covered.
        parent = factory.comment(
            space, people[i % 5], f"Comment {i}", parent=parent if i % 4 else q
        )
    return space.slug


def test_long_thread_loads_in_chunks_with_and_without_htmx(
    client: TestClient, factory: Factory
) -> None:
    slug = _thread(factory, 45)  # page size is 20 in tests
    tree = parse(client.get(f"/en/spaces/{slug}").text)
    first_ids = [n.attributes["id"] for n in tree.css("article.comment")]
    assert len(first_ids) == 20
    more = one(tree, "#more a")
    href = more.attributes["href"]
    assert more.attributes["hx-get"] == href
    # Without JavaScript: a full page with the next chunk.
    page2 = parse(client.get(href).text)
    assert one(page2, "h1")
    second_ids = [n.attributes["id"] for n in page2.css("article.comment")]
    assert len(second_ids) == 20
    assert not set(second_ids) & set(first_ids)
    # With htmx: only the fragment, which carries its own "more" link.
    fragment = client.get(href, headers={"HX-Request": "true"})
    frag = parse(fragment.text)
    assert not frag.css("h1")
    assert [n.attributes["id"] for n in frag.css("article.comment")] == second_ids
    last = client.get(one(frag, "#more a").attributes["href"], headers={"HX-Request": "true"})
    last_tree = parse(last.text)
    assert len(last_tree.css("article.comment")) == 5
    assert not last_tree.css("#more")


def test_in_reply_to_jumps_to_the_parent_on_the_page_or_opens_its_page(
    client: TestClient, factory: Factory
) -> None:
    slug = _thread(factory, 45)  # page size is 20 in tests
    first = parse(client.get(f"/en/spaces/{slug}").text)
    second = parse(client.get(one(first, "#more a").attributes["href"] or "").text)
    kinds = set()
    for tree in (first, second):
        on_page = {n.attributes["id"] for n in tree.css("article.comment")}
        for link in tree.css("article.comment .reply-to a"):
            href = link.attributes["href"] or ""
            if href.startswith("#"):
                assert href[1:] in on_page
                kinds.add("here")
            else:
                parent_id = href.removeprefix("/en/comments/")
                assert parent_id.isdigit()
                assert f"c-{parent_id}" not in on_page
                kinds.add("elsewhere")
    assert kinds == {"here", "elsewhere"}


def test_two_thousand_comments_render_the_first_screen_only(
    client: TestClient, factory: Factory
) -> None:
    people = [factory.user() for _ in range(4)]
    space = factory.space(slug="big", moderators=(people[0],))
    factory.bulk_thread(space, people, 2000)
    tree = parse(client.get("/en/spaces/big").text)
    assert len(tree.css("article.comment")) == 20  # the test page size
    assert one(tree, "#more a").attributes["href"].startswith("/en/spaces/big?after=")
    assert texts(tree, ".discussion > p.muted") == ["2,000 comments"]
