"""The browser enforces the security policy and the pages break none of it."""

from __future__ import annotations

from playwright.sync_api import ConsoleMessage, Page

from tests.browser.test_curation import SPACE, sign_in_as_moderator


def test_no_content_security_policy_violation_while_working(page: Page, live_server: str) -> None:
    violations: list[str] = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if _is_csp(m) else None,
    )
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation',"
        " e => console.error('CSP violation: ' + e.violatedDirective))"
    )
    sign_in_as_moderator(page, live_server)
    page.goto(live_server + SPACE)
    page.wait_for_load_state("networkidle")
    page.locator("article.comment:not(.question) .actions a", has_text="Curate").first.click()
    page.locator("section.curation").wait_for()
    page.locator("#post-form textarea[name=body]").fill("Checking the policy in a real browser.")
    page.locator("#post-form button[type=submit]").click()
    page.locator("#new-posts article.comment").wait_for()
    assert violations == []


def test_inline_script_is_refused_by_the_policy(page: Page, live_server: str) -> None:
    """The header is really enforced: a script injected inline does not run."""
    page.goto(f"{live_server}/en/")
    ran = page.evaluate(
        """() => {
            window.__ran = false;
            const s = document.createElement('script');
            s.textContent = 'window.__ran = true';
            document.body.appendChild(s);
            return window.__ran;
        }"""
    )
    assert ran is False


def _is_csp(message: ConsoleMessage) -> bool:
    return "Content Security Policy" in message.text or "CSP violation" in message.text
