"""Posting, replying, editing and translating comments, a comment's thread and history:
HTML pages and htmx fragments.

Each is drawn under its space's header and from its thread's chunks, so these pages sit
beside the space page: spaces draw comments, and comments know nothing of spaces' pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response

from app import policy, ratelimit
from app.comments import contributions, editing, idempotency, posting, reads
from app.comments.language import confident_language as detect_confident
from app.db import writing
from app.errors import Forbidden, FormErrors
from app.i18n import LOCALES
from app.models import Comment
from app.spaces import service as spaces
from app.spaces.pages import ThreadPageContext
from app.spaces.service import MAX_SHOWN_DEPTH
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
from app.web.form_errors import redraw_if_refused, redraw_on, status_of
from app.web.htmx import is_htmx, redirect
from app.web.ids import RowId
from app.web.urls import url_for

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
    view = reads.comment_view(
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
    language_check = posting.LanguageCheck(
        detected=detect_confident(body) if left_default else None, left_default=left_default
    )
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    if not viewer.signed_in:
        raise Forbidden("sign-in")
    parent = reads.get_comment(db, viewer, parent_id) if parent_id is not None else None
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
    prepared = posting.prepare_text(body, max_chars=settings.max_comment_chars)
    upload = _read_upload(attachment, settings.max_upload_bytes)

    def ask(question: posting.AskLanguage) -> Response:
        dropped = bool(attachment and attachment.filename)
        return _language_question(
            request, render, db, viewer, lang, space_view, form, parent, question, dropped=dropped
        )

    def refused(refusal: FormErrors | ratelimit.TooMany) -> Response:
        return _refused_post(request, render, db, viewer, lang, space_view, form, parent, refusal)

    with (
        redraw_on(posting.AskLanguage, ask),
        redraw_on(ratelimit.TooMany, refused),
        redraw_if_refused(refused),
        writing(db),
    ):
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
            comment = posting.ask_question(
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
    link = url_for(
        "comment",
        lang=lang,
        comment_id=thread,
        query={"posted": comment.id},
        fragment=f"c-{comment.id}",
    )
    return redirect(request, link)


def _language_question(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    lang: str,
    space_view: spaces.SpaceView,
    form: dict[str, Any],
    parent: Comment | None,
    question: posting.AskLanguage,
    *,
    dropped: bool,
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
        "question": asked | {"file_dropped": dropped},
    }
    if parent is not None:
        context["parent_view"] = spaces.comment_alone(db, viewer, parent.id, space_view, lang=lang)
    return render(request, "comments/compose.html", context)


def _refused_post(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    lang: str,
    space_view: spaces.SpaceView,
    form: dict[str, Any],
    parent: Comment | None,
    refusal: FormErrors | ratelimit.TooMany,
) -> Response:
    """The form again, with what was typed and why it was refused (too many posts: 429).

    Under htmx a new post's form replaces itself (its answer would otherwise land above
    it, where posted comments go); a reply's form is its own target already.
    """
    if isinstance(refusal, ratelimit.TooMany):
        errors, status, headers = {"body": refusal.message}, 429, refusal.headers
    else:
        errors, status, headers = _errors_on_body(refusal.errors), 422, {}
    context = {"space_view": space_view, "form": form, "errors": errors, "parent": parent}
    if is_htmx(request):
        if not parent:
            headers |= {"HX-Retarget": "#post-form", "HX-Reswap": "outerHTML"}
        return render(request, "comments/_form.html", context, status_code=status, headers=headers)
    if parent is not None:
        context["parent_view"] = spaces.comment_alone(db, viewer, parent.id, space_view, lang=lang)
    return render(request, "comments/compose.html", context, status_code=status, headers=headers)


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
    comment = reads.get_comment(db, viewer, comment_id)
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
    context = ThreadPageContext(
        page=page,
        space_view=page.view,
        more_url=url_for(
            "comment", lang=lang, comment_id=comment_id, query={"after": page.next_after}
        ),
        posted=posted,
    )
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
    parent = reads.get_comment(db, viewer, comment_id)
    space_view = spaces.space_of(db, viewer, parent.space_id, lang=lang, now=now)
    context: dict[str, Any] = {
        "space_view": space_view,
        "parent": parent,
        "errors": {},
        "form": {"body": "", "lang": lang, "parent_id": parent.id},
        # The form is offered only to those who may reply in this thread; others are told why.
        "thread_locked": reads.thread_is_locked(db, parent),
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
    comment = reads.get_comment(db, viewer, comment_id)
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    space = space_view.space
    if not policy.can_edit(viewer, comment, space, now):
        raise Forbidden("edit")
    form = {"body": comment.body_md if body is None else body, "lang": comment_lang or comment.lang}

    def form_page(errors: dict[str, str], status: int = 200) -> Response:
        context = {
            "space_view": space_view,
            "comment": comment,
            "form": form,
            "errors": errors,
            "stale": status == 409,
        }
        template = "comments/_edit_form.html" if is_htmx(request) else "comments/edit.html"
        return render(request, template, context, status_code=status)

    if request.method != "POST":
        return form_page({})
    with redraw_if_refused(lambda refusal: form_page(refusal.errors, status_of(refusal))):
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
    if is_htmx(request):
        return _card(request, render, db, viewer, comment.id, lang, space_view)
    return redirect(
        request, url_for("space_page", lang=lang, slug=space.slug, fragment=f"c-{comment.id}")
    )


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
    comment = reads.get_comment(db, viewer, comment_id)
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    space = space_view.space
    if not policy.can_translate(viewer, comment, space, now):
        raise Forbidden("translate")
    choices = [code for code in space.language_list if code != comment.lang]
    chosen = target_lang or to or (lang if lang in choices else (choices[0] if choices else ""))
    existing = reads.translation_text(db, comment.id, chosen)
    form = {"body": existing if body is None else body, "lang": chosen}

    def form_page(errors: dict[str, str], status: int = 200) -> Response:
        context = {
            "space_view": space_view,
            "comment": comment,
            "form": form,
            "errors": errors,
            "choices": choices,
        }
        template = (
            "comments/_translate_form.html" if is_htmx(request) else "comments/translate.html"
        )
        return render(request, template, context, status_code=status)

    if request.method != "POST":
        return form_page({})
    with redraw_if_refused(lambda refusal: form_page(refusal.errors, status_of(refusal))):
        editing.save_translation(
            db,
            viewer,
            comment,
            space,
            lang=chosen,
            body=form["body"],
            now=now,
            max_chars=settings.max_comment_chars,
        )
    if is_htmx(request):
        return _card(request, render, db, viewer, comment.id, lang, space_view, wanted=chosen)
    return redirect(
        request, url_for("comment", lang=lang, comment_id=comment.id, query={"v": chosen})
    )


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
    comment = reads.get_comment(db, viewer, comment_id)
    versions = editing.history(db, viewer, comment)
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    return render(
        request,
        "comments/history.html",
        {"space_view": space_view, "comment": comment, "versions": versions},
    )
