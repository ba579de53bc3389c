"""Posting, replying, editing and translating comments: HTML pages and htmx fragments."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app import policy, ratelimit
from app.comments import contributions, idempotency, service
from app.comments.language import confident_language as detect_confident
from app.comments.language import detect_language
from app.db import discard_changes, writing
from app.errors import Forbidden, FormErrors, Stale
from app.i18n import LOCALES
from app.models import Comment
from app.spaces import service as spaces
from app.spaces.routes import MAX_SHOWN_DEPTH
from app.web.deps import (
    DbDep,
    LangDep,
    LimiterDep,
    NowDep,
    RenderDep,
    SettingsDep,
    ViewerDep,
    writes_in_blocks,
)
from app.web.htmx import is_htmx, redirect
from app.web.ids import RowId

router = APIRouter()


def _read_upload(upload: UploadFile | None, max_bytes: int) -> contributions.Upload | None:
    if upload is None or not upload.filename:
        return None
    # Read one byte past the limit: enough to know it is too big, never the whole file.
    return contributions.Upload(upload.file.read(max_bytes + 1), upload.filename)


def _errors_on_body(errors: dict[str, str]) -> dict[str, str]:
    """A key problem is shown where the person can act on it: by their text."""
    if idempotency.FIELD not in errors:
        return errors
    shown = {k: v for k, v in errors.items() if k != idempotency.FIELD}
    shown.setdefault("body", errors[idempotency.FIELD])
    return shown


def _card(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    comment_id: RowId,
    lang: str,
    space_view: spaces.SpaceView,
    *,
    template: str = "comments/_card.html",
    wanted: str | None = None,
    extra: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    view = service.comment_view(
        db,
        viewer,
        comment_id,
        space=space_view.space,
        moderator_ids=space_view.moderator_ids,
        ui_lang=lang,
        max_shown_depth=space_view.space.max_shown_depth,
        wanted_lang=wanted,
    )
    return render(
        request,
        template,
        {"c": view, "space_view": space_view, **(extra or {})},
        status_code=status_code,
    )


@router.post("/{lang}/spaces/{slug}/comments", name="post_comment")
@writes_in_blocks
def post_comment(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
    limiter: LimiterDep,
    body: Annotated[str, Form()] = "",
    comment_lang: Annotated[str, Form(alias="lang")] = "",
    parent_id: Annotated[RowId | None, Form()] = None,
    named_consent: Annotated[bool, Form()] = False,
    as_question: Annotated[bool, Form()] = False,
    attachment: Annotated[UploadFile | None, File()] = None,
    idempotency_key: Annotated[str | None, Form()] = None,
    lang_default: Annotated[str, Form()] = "",
    lang_answer: Annotated[str, Form()] = "",
) -> Response:
    # The author's answer to "which language is this?" settles it; otherwise a language
    # left as the form offered it is checked against the detector's guess.
    chosen_lang = lang_answer or comment_lang or lang
    left_default = not lang_answer and chosen_lang == (lang_default or lang)
    language_check = service.LanguageCheck(
        detected=detect_confident(body) if left_default else None, left_default=left_default
    )
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    if not viewer.signed_in:
        raise Forbidden("sign-in")
    parent = service.get_comment(db, viewer, parent_id) if parent_id is not None else None
    form = {
        "body": body,
        "lang": chosen_lang,
        "lang_default": lang_default or lang,
        "parent_id": parent_id,
        "named_consent": named_consent,
        "as_question": as_question,
    }
    # Lock-free work first (cleaning and rendering the text, reading the file): SQLite's
    # write lock is then held only for the writes, which queue rather than fail.
    prepared = service.prepare_text(body, max_chars=settings.max_comment_chars)
    upload = _read_upload(attachment, settings.max_upload_bytes)
    try:
        with writing(db):
            key = idempotency.clean_key(idempotency_key)
            # A retry of a post already made is not a new post: it does not count again.
            if (
                viewer.user is not None
                and not viewer.moderates(space_view.space.id)
                and idempotency.find(db, viewer.user.id, key) is None
            ):
                rule = ratelimit.posts_rule(viewer.user.created_at, now)
                limiter.check(rule, str(viewer.user.id), db=db)
            if as_question and parent_id is None:
                comment = service.ask_question(
                    db,
                    viewer,
                    space_view.space,
                    text=body,
                    lang=chosen_lang,
                    now=now,
                    max_chars=settings.max_comment_chars,
                    idempotency_key=key,
                )
            else:
                comment = contributions.post(
                    db,
                    viewer,
                    space_view.space,
                    body=body,
                    lang=chosen_lang,
                    parent_id=parent_id,
                    upload=upload,
                    settings=settings,
                    now=now,
                    named_consent=named_consent,
                    idempotency_key=key,
                    language_check=language_check,
                    prepared=prepared,
                )
    except service.AskLanguage as question:
        discard_changes(db)
        return _language_question(
            request,
            render,
            db,
            viewer,
            lang,
            space_view,
            form,
            parent,
            question,
            file_dropped=bool(attachment and attachment.filename),
        )
    except (FormErrors, ratelimit.TooMany) as exc:
        discard_changes(db)
        limited = isinstance(exc, ratelimit.TooMany)
        errors = (
            {"body": exc.message}
            if isinstance(exc, ratelimit.TooMany)
            else _errors_on_body(exc.errors)
        )
        status = 429 if limited else 422
        context = {"space_view": space_view, "form": form, "errors": errors, "parent": parent}
        headers = exc.headers if isinstance(exc, ratelimit.TooMany) else {}
        if is_htmx(request):
            if not parent:
                headers |= {"HX-Retarget": "#post-form", "HX-Reswap": "outerHTML"}
            return render(
                request, "comments/_form.html", context, status_code=status, headers=headers
            )
        if parent is not None:
            context["parent_view"] = spaces.comment_alone(
                db, viewer, parent.id, space_view, lang=lang
            )
        return render(
            request, "comments/compose.html", context, status_code=status, headers=headers
        )
    if is_htmx(request):
        return _card(
            request,
            render,
            db,
            viewer,
            comment.id,
            lang,
            space_view,
            template="comments/_posted.html",
            extra={"parent": parent},
        )
    # The thread it belongs to, where it is sure to be on the first screen even in a
    # space with thousands of comments.
    thread = comment.parent_id or comment.id
    return redirect(request, f"/{lang}/comments/{thread}?posted={comment.id}#c-{comment.id}")


def _language_question(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    lang: str,
    space_view: spaces.SpaceView,
    form: dict[str, Any],
    parent: Comment | None,
    question: service.AskLanguage,
    *,
    file_dropped: bool,
) -> Response:
    """Ask which language the text is in, keeping everything typed; nothing was stored.

    Under htmx only the question is swapped into the form, which keeps its text and its
    chosen file; without script the whole form comes back with the question in it.
    """
    form_id = f"rf-{parent.id}" if parent is not None else "post-form"
    asked = {"detected": question.detected, "chosen": question.chosen}
    if is_htmx(request):
        return render(
            request,
            "comments/_lang_question.html",
            {"form_id": form_id, "question": asked},
            headers={"HX-Retarget": f"#{form_id}-question", "HX-Reswap": "innerHTML"},
        )
    context: dict[str, Any] = {
        "space_view": space_view,
        "form": form,
        "errors": {},
        "parent": parent,
        "question": asked | {"file_dropped": file_dropped},
    }
    if parent is not None:
        context["parent_view"] = spaces.comment_alone(db, viewer, parent.id, space_view, lang=lang)
    return render(request, "comments/compose.html", context)


@router.get("/{lang}/comments/{comment_id}", name="comment")
def comment_page(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
    v: str | None = None,
    after: str | None = None,
    posted: RowId | None = None,
) -> Response:
    """A comment with the replies below it; under htmx, just the card (or the next chunk)."""
    comment = service.get_comment(db, viewer, comment_id)
    if is_htmx(request) and not after:
        space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
        return _card(
            request,
            render,
            db,
            viewer,
            comment_id,
            lang,
            space_view,
            wanted=v if v in LOCALES else None,
        )
    page = spaces.load_thread_page(
        db,
        viewer,
        comment,
        lang=lang,
        now=now,
        after=after or None,
        limit=settings.page_comments,
        max_shown_depth=MAX_SHOWN_DEPTH,
    )
    context = {
        "page": page,
        "space_view": page.view,
        "more_url": f"/{lang}/comments/{comment_id}",
        "posted": posted,
    }
    if is_htmx(request):
        return render(request, "spaces/_chunk.html", context)
    if v in LOCALES and page.comments and not after:
        page.comments[0] = spaces.comment_alone(
            db, viewer, comment_id, page.view, lang=lang, wanted=v
        )
    return render(request, "comments/permalink.html", context)


@router.get("/{lang}/comments/{comment_id}/reply", name="reply")
def reply_form(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    parent = service.get_comment(db, viewer, comment_id)
    space_view = spaces.space_of(db, viewer, parent.space_id, lang=lang, now=now)
    context: dict[str, Any] = {
        "space_view": space_view,
        "parent": parent,
        "errors": {},
        "form": {"body": "", "lang": lang, "parent_id": parent.id},
        # The form is offered only to those who may reply in this thread; others are told why.
        "thread_locked": service.thread_is_locked(db, parent),
    }
    if is_htmx(request):
        return render(request, "comments/_form.html", context)
    context["parent_view"] = spaces.comment_alone(db, viewer, parent.id, space_view, lang=lang)
    return render(request, "comments/compose.html", context)


@router.api_route("/{lang}/comments/{comment_id}/edit", methods=["GET", "POST"], name="edit")
def edit(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
    body: Annotated[str | None, Form()] = None,
    comment_lang: Annotated[str | None, Form(alias="lang")] = None,
    version: Annotated[int | None, Form()] = None,
    attachment: Annotated[UploadFile | None, File()] = None,
) -> Response:
    comment = service.get_comment(db, viewer, comment_id)
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    space = space_view.space
    if not policy.can_edit(viewer, comment, space, now):
        raise Forbidden("edit")
    form = {"body": comment.body_md if body is None else body, "lang": comment_lang or comment.lang}
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            contributions.edit(
                db,
                viewer,
                comment,
                space,
                body=form["body"],
                lang=form["lang"],
                upload=_read_upload(attachment, settings.max_upload_bytes),
                settings=settings,
                now=now,
                base_version=version,
            )
        except FormErrors as exc:
            discard_changes(db)
            errors = exc.errors
            status = 409 if isinstance(exc, Stale) else 422
        else:
            if is_htmx(request):
                return _card(request, render, db, viewer, comment.id, lang, space_view)
            return redirect(request, f"/{lang}/spaces/{space.slug}#c-{comment.id}")
    context = {
        "space_view": space_view,
        "comment": comment,
        "form": form,
        "errors": errors,
        "stale": status == 409,
    }
    template = "comments/_edit_form.html" if is_htmx(request) else "comments/edit.html"
    return render(request, template, context, status_code=status)


@router.api_route(
    "/{lang}/comments/{comment_id}/translate", methods=["GET", "POST"], name="translate"
)
def translate(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
    body: Annotated[str | None, Form()] = None,
    target_lang: Annotated[str | None, Form(alias="lang")] = None,
    to: str | None = None,
) -> Response:
    comment = service.get_comment(db, viewer, comment_id)
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    space = space_view.space
    if not policy.can_translate(viewer, comment, space, now):
        raise Forbidden("translate")
    choices = [code for code in space.language_list if code != comment.lang]
    chosen = target_lang or to or (lang if lang in choices else (choices[0] if choices else ""))
    existing = service.translation_text(db, comment.id, chosen)
    form = {"body": existing if body is None else body, "lang": chosen}
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            service.save_translation(
                db,
                viewer,
                comment,
                space,
                lang=chosen,
                body=form["body"],
                now=now,
                max_chars=settings.max_comment_chars,
            )
        except FormErrors as exc:
            discard_changes(db)
            errors = exc.errors
        else:
            if is_htmx(request):
                return _card(
                    request, render, db, viewer, comment.id, lang, space_view, wanted=chosen
                )
            return redirect(request, f"/{lang}/comments/{comment.id}?v={chosen}")
    context = {
        "space_view": space_view,
        "comment": comment,
        "form": form,
        "errors": errors,
        "choices": choices,
    }
    template = "comments/_translate_form.html" if is_htmx(request) else "comments/translate.html"
    return render(request, template, context, status_code=422 if errors else 200)


@router.get("/{lang}/comments/{comment_id}/history", name="history")
def history(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    comment = service.get_comment(db, viewer, comment_id)
    versions = service.history(db, viewer, comment)
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    return render(
        request,
        "comments/history.html",
        {"space_view": space_view, "comment": comment, "versions": versions},
    )


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
