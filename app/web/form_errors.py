"""One answer to a refused form: nothing of it is kept, and the form comes back with its
errors and what was typed (422; 409 when it was based on a version since replaced).

A route says how to draw its form again and wraps the service call that may refuse:

    with redraw_if_refused(lambda refusal: page(form, refusal.errors, status_of(refusal))):
        service.save(db, ...)
    return redirect(request, ...)

The form is drawn at once, while the unit of work is still open to read what the page
shows, and the drawing travels up as `Redrawn`: through the unit of work, which rolls back
on any exception (app/db.py), to the handler installed by `install`, which answers with it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TypeVar

from fastapi import FastAPI, Request
from starlette.responses import Response

from app.errors import FormErrors, Stale

Refusal = TypeVar("Refusal", bound=Exception)


class Redrawn(Exception):
    """A refused form, drawn again; raised so that its unit of work rolls back."""

    def __init__(self, response: Response) -> None:
        super().__init__(f"form refused ({response.status_code})")
        self.response = response


def status_of(refusal: FormErrors) -> int:
    return 409 if isinstance(refusal, Stale) else 422


@contextmanager
def redraw_on(kind: type[Refusal], redraw: Callable[[Refusal], Response]) -> Iterator[None]:
    """Answer a `kind` of refusal raised in the block with `redraw(refusal)`, rolled back."""
    try:
        yield
    except kind as refusal:
        raise Redrawn(redraw(refusal)) from refusal


def redraw_if_refused(redraw: Callable[[FormErrors], Response]) -> AbstractContextManager[None]:
    """Answer FormErrors raised in the block with `redraw(refusal)`, rolled back."""
    return redraw_on(FormErrors, redraw)


def install(app: FastAPI) -> None:
    @app.exception_handler(Redrawn)
    async def _redrawn(_request: Request, redrawn: Redrawn) -> Response:
        return redrawn.response
