"""Cached space pages in a real browser: the stitched gzip decodes, and a comment posted
in one browser shows in the next view of another, which had the page from the cache."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from tests.browser.test_participation import open_space_url, register


def test_a_cached_page_decodes_and_shows_what_was_posted_since(
    browser: Browser, live_server: str
) -> None:
    reader_context = browser.new_context()
    reader = reader_context.new_page()
    url = open_space_url(reader, live_server)
    reader.goto(url)
    again = reader.goto(url)  # the cached copy, compressed once, with this reader's token
    assert again is not None
    assert again.headers.get("content-encoding") == "gzip"
    token = next(c["value"] for c in reader_context.cookies() if c["name"] == "rt_csrf")
    assert token in (reader.locator("body").get_attribute("hx-headers") or "")
    expect(reader.locator("article.comment").first).to_be_visible()

    writer = browser.new_context().new_page()
    register(writer, live_server)
    writer.goto(url)
    writer.locator("#post-form-body").fill("Posted while the page sat in the cache.")
    writer.locator("#post-form button[type=submit]").click()
    expect(writer.locator("#new-posts article.comment").first).to_be_visible()

    reader.goto(url)
    expect(reader.locator("article.comment", has_text="Posted while the page sat")).to_have_count(1)
