"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging
import os

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.db import unwritable_reason, write_health, writer_turn

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)


@router.get("/healthz")
def healthz() -> JSONResponse:
    """The process answers: nothing else is checked."""
    return JSONResponse({"status": "ok"})


@router.get("/readyz")
def readyz(request: Request) -> JSONResponse:
    """The database answers and takes writes; otherwise 503 with the reason."""
    engine: Engine = request.app.state.engine
    health = write_health(engine)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            refusal = _writes_refused(engine, connection, probe=health.reason is not None)
    except SQLAlchemyError as exc:
        reason = unwritable_reason(getattr(exc, "orig", None))
        if reason is None:
            log.warning("readiness check failed: %s", type(exc).__name__)
            return JSONResponse(
                {"status": "unavailable", "database": "unreachable"}, status_code=503
            )
        refusal = reason
    if refusal is not None:
        health.refused(refusal)  # logs when it starts, not at every probe
        return JSONResponse(
            {"status": "unavailable", "database": "read-only", "reason": refusal},
            status_code=503,
        )
    health.recovered()
    return JSONResponse({"status": "ok", "database": "ok"})


def _writes_refused(engine: Engine, connection: Connection, *, probe: bool) -> str | None:
    """Why the database would refuse a write now, or None.

    Cheap questions first. Once a write has been refused, a real write decides (one commit
    per probe, only while degraded): a file can look writable and still fail, and it is
    the one way to see that it takes writes again.
    """
    if engine.dialect.name == "postgresql":
        in_recovery, read_only = connection.execute(
            text("SELECT pg_is_in_recovery(), current_setting('transaction_read_only')")
        ).one()
        if in_recovery or read_only == "on":
            # Opened while the database was read-only, it would stay so: replace it.
            connection.invalidate()
            return "PostgreSQL: " + ("in recovery (a standby)" if in_recovery else "read-only")
        return None
    path = engine.url.database
    if path and path != ":memory:":
        for name in (path, path + "-wal", os.path.dirname(os.path.abspath(path))):
            if os.path.exists(name) and not os.access(name, os.W_OK):
                return f"SQLite: {os.path.basename(name) or name} is not writable"
    if probe:
        connection.commit()  # end the SELECT's read transaction: the probe takes the lock
        with writer_turn(engine):
            version = connection.exec_driver_sql("PRAGMA user_version").scalar()
            connection.exec_driver_sql(f"PRAGMA user_version = {int(version or 0)}")
            connection.commit()
    return None
