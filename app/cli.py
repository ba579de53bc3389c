"""`roundtable` / `python -m app`: migrate, create an admin, load demo data, move spaces, serve."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import policy
from app.config import get_settings
from app.db import create_db_engine, make_session_factory, transaction

if TYPE_CHECKING:
    from app.models import Space


@contextmanager
def _session() -> Iterator[Session]:
    engine = create_db_engine(get_settings().resolved_database_url)
    try:
        with transaction(make_session_factory(engine)) as db:
            # Nobody reads: the operator's commands (imports, interchange) see everything.
            policy.read_as(db, policy.ANONYMOUS, policy.Purpose.SYSTEM)
            yield db
    finally:
        engine.dispose()


@click.group()
def main() -> None:
    """Roundtable: moderated consultation spaces."""


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from app.migrate import upgrade

    settings = get_settings()
    upgrade(settings.resolved_database_url)
    click.echo(f"Database is up to date ({_safe_url(settings.resolved_database_url)}).")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@main.command("create-admin")
@click.option("--email", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def create_admin(email: str, display_name: str, password_stdin: bool) -> None:
    """Create an administrator account (or make an existing account one)."""
    from app.accounts import service
    from app.errors import FormErrors
    from app.models import User

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with _session() as db:
        user = db.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            try:
                user = service.register(
                    db, display_name=display_name, email=email, password=password, locale="en"
                )
            except FormErrors as exc:
                raise click.ClickException("; ".join(exc.errors.values())) from exc
        user.is_admin = True
        # The operator typed this address at the console: it needs no confirmation link.
        user.email_verified_at = user.email_verified_at or datetime.now(UTC)
    click.echo(f"{user.display_name} <{user.email}> is an administrator.")


@main.command()
def reindex() -> None:
    """Rebuild the search index from every comment and translation."""
    from app.db import writer_turn
    from app.fulltext.reindex import rebuild

    engine = create_db_engine(get_settings().resolved_database_url)
    try:
        with writer_turn(engine), engine.begin() as connection:
            entries = rebuild(connection)
    finally:
        engine.dispose()
    click.echo(f"Search index rebuilt: {entries} texts indexed.")


@main.command()
def demo() -> None:
    """Load the demo consultations (skips those already present)."""
    from app.demo.loader import DEMO_PASSWORD, load_demo

    with _session() as db:
        created = load_demo(db, now=datetime.now(UTC))
    if created:
        click.echo(f"Loaded demo spaces: {', '.join(created)}.")
        click.echo(f"Demo accounts use the password {DEMO_PASSWORD!r}.")
    else:
        click.echo("Demo spaces are already loaded.")


@main.command("export-space")
@click.argument("slug")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="File to write; - for standard output.",
)
@click.option(
    "--bundle",
    is_flag=True,
    help="Write a ZIP bundle: the JSON and the position papers' files.",
)
def export_space(slug: str, output: str, bundle: bool) -> None:
    """Write the space SLUG as an interchange file (JSON, format version 2), or as a bundle."""
    from app.errors import NotFound
    from app.interchange import dump

    settings = get_settings()
    with _session() as db:
        try:
            space = dump.space_by_slug(db, slug)
        except NotFound:
            raise click.ClickException(f"No space has the address {slug!r}.") from None
        now = datetime.now(UTC)
        if bundle:
            document, files = dump.export_with_files(
                db, space, now=now, upload_dir=settings.upload_dir
            )
        else:
            document, files = dump.export_space(db, space, now=now), {}
    body = dump.bundle(document, files) if bundle else dump.dumps(document).encode("utf-8")
    count = len(document["comments"])
    if output == "-":
        sys.stdout.buffer.write(body)
    else:
        Path(output).write_bytes(body)
        click.echo(f"Exported {slug} ({count} comment(s)) to {output}.", err=True)


@main.command("import-space")
@click.argument("file", type=click.File("rb"))
@click.option("--slug", default=None, help="Address of the new space (default: the file's).")
def import_space(file: IO[bytes], slug: str | None) -> None:
    """Create a new space from the interchange FILE, JSON or ZIP bundle (- for standard input).

    Nothing is written unless the whole file is right; otherwise every problem is
    listed with its place in the file.
    """
    from app.interchange import importer

    settings = get_settings()
    data = file.read(importer.MAX_BUNDLE_BYTES + 1)
    try:
        with _session() as db:
            upload = importer.read_upload(data)
            document = upload.document
            space = importer.import_space(
                db,
                document,
                slug=slug,
                now=datetime.now(UTC),
                files=upload.files,
                upload_dir=settings.upload_dir,
                max_attachment_bytes=settings.max_upload_bytes,
            )
            new_slug = space.slug
    except importer.ImportProblems as exc:
        for line in exc.lines():
            click.echo(line, err=True)
        raise click.ClickException(
            f"Nothing was imported: {exc.count} problem(s) listed above."
        ) from None
    click.echo(f"Imported the space {new_slug} ({len(document['comments'])} comment(s)).")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def serve(host: str, port: int, workers: int, reload: bool) -> None:
    """Serve the web application with uvicorn."""
    import uvicorn

    uvicorn.run(
        "app.asgi:app",
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        log_config=None,  # app.asgi sets up JSON logs in every worker process
    )


@main.command()
@click.option("--once", is_flag=True, help="Send what is due now, then exit.")
@click.option(
    "--interval", default=5.0, show_default=True, type=float, help="Seconds between polls."
)
def worker(once: bool, interval: float) -> None:
    """Send the queued notification e-mails (and the daily moderator digests), and analyse
    comments for the synthesis workbench (embeddings, then themes)."""
    import signal
    import threading

    from app import logs
    from app.main import PAGES  # noqa: F401  importing it installs the pages e-mails link to
    from app.notifications.worker import run
    from app.synthesis import embedder
    from app.synthesis import worker as synthesis

    logs.configure()
    settings = get_settings()
    stop = threading.Event()
    if not once:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_args: stop.set())
    engine = create_db_engine(settings.resolved_database_url, echo=settings.sql_echo)
    factory = make_session_factory(engine)
    # Embedding is CPU work in C (the GIL is released): a thread of its own keeps the
    # e-mails flowing while a big consultation is analysed.
    analysed: list[int] = []
    analysis = threading.Thread(
        target=lambda: analysed.append(
            synthesis.run(
                factory,
                embedder.from_settings(settings),
                once=once,
                interval=interval,
                stop=stop,
                background=True,
            )
        ),
        name="synthesis",
        daemon=True,
    )
    analysis.start()
    try:
        sent = run(factory, settings, once=once, interval=interval, stop=stop)
        analysis.join()
    finally:
        engine.dispose()
    click.echo(f"Sent {sent} e-mail(s); analysed {sum(analysed)} text(s).")


def _space_or_fail(db: Session, slug: str) -> Space:
    from app.errors import NotFound
    from app.interchange import dump

    try:
        return dump.space_by_slug(db, slug)
    except NotFound:
        raise click.ClickException(f"No space has the address {slug!r}.") from None


def _refresh(slug: str) -> None:
    """Embed what the space still has queued and recompute its themes if they are due."""
    from datetime import timedelta

    from app.synthesis import embedder
    from app.synthesis import worker as synthesis

    settings = get_settings()
    with _session() as db:
        space_id = _space_or_fail(db, slug).id
    engine = create_db_engine(settings.resolved_database_url)
    try:
        synthesis.run(
            make_session_factory(engine),
            embedder.from_settings(settings),
            once=True,
            auto_every=timedelta(0),
            space_id=space_id,
        )
    finally:
        engine.dispose()


@main.command()
@click.argument("slug")
@click.option("--question", type=int, default=None, help="Only this question's themes.")
@click.option("--lang", default="en", show_default=True, type=click.Choice(["en", "fr", "es"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
@click.option(
    "--refresh/--no-refresh",
    default=True,
    show_default=True,
    help="Analyse what is queued for the space first (as the worker would).",
)
def themes(slug: str, question: int | None, lang: str, as_json: bool, refresh: bool) -> None:
    """The themes of the space SLUG, with their comments' ids and labels."""
    import json

    from app.i18n import using
    from app.synthesis import service

    if refresh:
        _refresh(slug)
    with _session() as db, using(lang):
        space = _space_or_fail(db, slug)
        board = service.board(
            db,
            service.as_moderator(space),
            space,
            lang,
            question=question,
            all_questions=question is None,
        )
        report = service.board_report(board, lang)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for theme in board.themes:
        where = f"question {theme.question}" if theme.question else "own posts"
        click.echo(f"[{theme.id}] {where}: {theme.label} ({theme.comments} comment(s))")


@main.command("near-duplicates")
@click.argument("slug")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (for scripts).")
@click.option("--refresh/--no-refresh", default=True, show_default=True)
def near_duplicates(slug: str, as_json: bool, refresh: bool) -> None:
    """Groups of comments of the space SLUG that make the same point."""
    import json

    from app.synthesis import service

    if refresh:
        _refresh(slug)
    with _session() as db:
        space = _space_or_fail(db, slug)
        groups = service.near_duplicates(db, service.as_moderator(space), space)
        report = service.duplicates_report(groups)
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
        return
    for group in groups:
        click.echo(", ".join(f"#{r.comment_id} ({r.lang})" for r in group))


if __name__ == "__main__":
    main()


@main.command("backup")
@click.argument("destination", type=click.Path(file_okay=False, path_type=Path))
def backup_command(destination: Path) -> None:
    """Back up the SQLite database and uploads while the server runs."""
    from app import backup

    try:
        target = backup.backup(get_settings(), destination, now=datetime.now(UTC))
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up to {target}")


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the existing database (stop the server).")
def restore_command(source: Path, force: bool) -> None:
    """Restore a backup made by `roundtable backup`."""
    from app import backup

    try:
        backup.restore(get_settings(), source, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored from {source}")
