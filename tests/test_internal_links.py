"""No internal link is built by hand: templates and Python name the route (app/web/urls.py).

A path typed out (`href="/{{ lang }}/spaces/..."`, `f"/{lang}/comments/{id}"`) keeps
working until the route moves, then 404s in a reader's browser; a route name fails the
first time the page renders. tests/test_link_crawl.py follows the links that are there;
this keeps new ones from being typed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "templates"
APP = ROOT / "app"

# Attributes that hold a URL the browser (or htmx) requests, and hidden `back` fields.
LINK_ATTRIBUTES = (
    "href",
    "src",
    "action",
    "formaction",
    "hx-get",
    "hx-post",
    "hx-put",
    "hx-patch",
    "hx-delete",
    "hx-push-url",
    "hx-replace-url",
    "value",
)
_ATTRIBUTE = re.compile(r"(?<![\w-])(" + "|".join(LINK_ATTRIBUTES) + r')="([^"]*)"')
_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.S)
_COMMENT = re.compile(r"\{#.*?#\}", re.S)
# A string literal inside a Jinja expression that starts a path: "/" ~ lang, "/password".
_PATH_LITERAL = re.compile(r"""(["'])/[^"']*\1""")
_EXTERNAL = re.compile(r"^(https?:|mailto:)")
_FRAGMENTS = re.compile(r"^(#[\w-]*)*$")

# Python that may spell paths: the helper itself, the static-asset helper (hashed file
# names, not routes), and the language switch, which keeps the current address (an error
# page has no route to name) and only swaps its first segment.
ALLOWED_PYTHON = {
    ("app/web/urls.py", None),
    ("app/web/assets.py", None),
    ("app/web/templates.py", "_switch_url"),
}


def _templates() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".txt"})


def hand_built_in_template(source: str) -> list[str]:
    """What in this template's source spells an internal URL instead of naming a route."""
    source = _COMMENT.sub("", source)
    found = [
        f"path literal {m.group(0)} in {expr.strip()}"
        for expr in _JINJA.findall(source)
        for m in _PATH_LITERAL.finditer(expr)
    ]
    # Jinja may hold quotes: blank it out, keep where it was, then read the attributes.
    blanked = _JINJA.sub(lambda m: "\0", source)
    for name, value in _ATTRIBUTE.findall(blanked):
        # Around the expressions only a fragment (#c-12) or another site may be written;
        # a `value` is a link only when it holds a path.
        literal = value.replace("\0", "")
        if name == "value":
            hand_built = "/" in literal
        else:
            hand_built = not (_FRAGMENTS.match(literal) or _EXTERNAL.match(literal))
        if hand_built:
            found.append(f'{name}="{value.replace(chr(0), "{…}")}"')
    return found


def _shape(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


class _PythonPaths(ast.NodeVisitor):
    """f"/{lang}/...", f"{base}/{lang}/...", "/" + ..., "/...".format(), url_path_for."""

    def __init__(self) -> None:
        self.function: str | None = None
        self.found: list[tuple[str | None, int, str]] = []

    def _note(self, node: ast.AST, what: str) -> None:
        self.found.append((self.function, getattr(node, "lineno", 0), what))

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        outer, self.function = self.function, self.function or node.name
        self.generic_visit(node)
        self.function = outer

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        shape = _shape(node)
        if (shape.startswith("/") and "{}" in shape) or "{}/{}/" in shape:
            self._note(node, f'f"{shape}"')

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.Add | ast.Mod):
            for side in (node.left, node.right):
                if isinstance(side, ast.Constant) and str(side.value).startswith("/"):
                    self._note(node, f"{side.value!r} joined by an operator")
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            if (
                func.attr == "format"
                and isinstance(func.value, ast.Constant)
                and str(func.value.value).startswith("/")
            ):
                self._note(node, f"{func.value.value!r}.format()")
            if func.attr == "url_path_for":
                self._note(node, "url_path_for() outside the helper")
        self.generic_visit(node)


def hand_built_in_python(source: str, relative: str) -> list[str]:
    visitor = _PythonPaths()
    visitor.visit(ast.parse(source))
    return [
        f"{relative}:{line} {what}"
        for function, line, what in visitor.found
        if (relative, None) not in ALLOWED_PYTHON and (relative, function) not in ALLOWED_PYTHON
    ]


@pytest.mark.parametrize("path", _templates(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_templates_name_their_links(path: Path) -> None:
    assert hand_built_in_template(path.read_text(encoding="utf-8")) == []


def test_python_names_its_links() -> None:
    found: list[str] = []
    for path in sorted(APP.rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("app/static/"):
            continue
        found += hand_built_in_python(path.read_text(encoding="utf-8"), relative)
    assert found == []


@pytest.mark.parametrize(
    "source",
    [
        '<a href="/{{ lang }}/spaces/{{ slug }}">x</a>',
        '<form action="/{{ lang }}/sign-in">',
        '<a hx-get="{{ job_url }}/file">x</a>',
        '<a href="{{ base }}.{{ fmt }}?question={{ q }}">x</a>',
        '<input type="hidden" name="back" value="/{{ lang }}/admin/users">',
        '{% set base = "/" ~ lang ~ "/digest" %}',
        "{{ page_url('/password/forgot') }}",
        '<a href="{% if a %}#c-1{% else %}/{{ lang }}/comments/{{ c.id }}{% endif %}">x</a>',
    ],
)
def test_a_hand_built_template_link_is_found(source: str) -> None:
    assert hand_built_in_template(source) != []


@pytest.mark.parametrize(
    "source",
    [
        """<a href="{{ url_for('comment', comment_id=c.id, query={"v": v}) }}">x</a>""",
        '<a href="{% if here %}#c-{{ c.id }}{% else %}'
        "{{ url_for('comment', comment_id=c.id) }}{% endif %}\">x</a>",
        """<link rel="stylesheet" href="{{ static_url('roundtable.css') }}">""",
        '<a class="skip" href="#main">x</a> <a href="https://example.org/">y</a>',
        '<input type="hidden" name="op" value="tag">',
    ],
)
def test_a_named_template_link_passes(source: str) -> None:
    assert hand_built_in_template(source) == []


@pytest.mark.parametrize(
    "source",
    [
        'redirect(request, f"/{lang}/spaces/{slug}")',
        'url = f"{base}/{locale}/comments/{comment_id}"',
        'url = "/" + lang + "/"',
        'url = "/{}/drafts".format(lang)',
        'request.app.url_path_for("draft", lang=lang, draft_id=1)',
    ],
)
def test_a_hand_built_python_link_is_found(source: str) -> None:
    assert hand_built_in_python(source, "app/example.py") != []


def test_a_named_python_link_and_other_f_strings_pass() -> None:
    source = (
        'redirect(request, url_for("space_page", lang=lang, slug=slug))\n'
        'key = f"{template}/{section}"\n'
        'name = f"{slug}-note-{draft_id}.md"\n'
    )
    assert hand_built_in_python(source, "app/example.py") == []
