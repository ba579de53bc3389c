"""Writing aids of the comment forms: which language a text is in, and the language
field set to it (htmx fragments).

The comment pages themselves are drawn in their space (app/spaces/comment_routes.py).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from app.comments.language import detect_language
from app.i18n import LOCALES
from app.web.deps import LangDep, RenderDep

router = APIRouter()


@router.post("/{lang}/language-hint", name="language_hint")
def language_hint(
    request: Request,
    lang: LangDep,
    render: RenderDep,
    body: Annotated[str, Form()] = "",
    form_id: Annotated[str, Form()] = "",
    chosen: Annotated[str, Form(alias="lang")] = "",
) -> Response:
    detected = detect_language(body[:5000])
    return render(
        request,
        "comments/_lang_hint.html",
        {"detected": detected, "chosen": chosen, "form_id": form_id},
    )


@router.get("/{lang}/language-select", name="language_select")
def language_select(
    request: Request,
    lang: LangDep,
    render: RenderDep,
    form_id: str = "",
    pick: str = "",
) -> Response:
    return render(
        request,
        "comments/_lang_select.html",
        {"form_id": form_id, "selected": pick if pick in LOCALES else lang, "choices": LOCALES},
    )
