"""create_app(): settings, middleware, feature routers, static files, error pages. Wiring only."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app.accounts.routes import router as accounts_router
from app.admin.routes import router as admin_router
from app.api.routes import router as api_router
from app.attachments.routes import router as attachments_router
from app.comments.routes import router as comments_router
from app.config import Settings, get_settings
from app.curation.routes import router as curation_router
from app.db import create_db_engine, make_session_factory
from app.drafts.routes import router as drafts_router
from app.exports.routes import router as exports_router
from app.interchange.routes import router as interchange_router
from app.logs import RequestIdMiddleware
from app.moderation.routes import router as moderation_router
from app.notifications.routes import router as notifications_router
from app.ratelimit import DatabaseBackend, Limiter, RedisBackend
from app.ratelimit.middleware import RequestsPerAddressMiddleware
from app.spaces.routes import router as spaces_router
from app.web.assets import ASSETS, STATIC_DIR
from app.web.compression import GZIP_OPTIONS
from app.web.csrf import CSRFMiddleware
from app.web.deps import SESSION_COOKIE
from app.web.errors import CrashMiddleware, install_error_handlers
from app.web.health import router as health_router
from app.web.limits import BodyLimitMiddleware
from app.web.locale import LocaleMiddleware
from app.web.pagecache import PageCache
from app.web.security import SecurityHeadersMiddleware
from app.web.static import MemoryStaticFiles
from app.web.templates import Renderer, build_templates


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        # No interactive docs page: it needs inline scripts the security policy forbids.
        title="Roundtable",
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
        # One text part may be as large as a whole request (BodyLimitMiddleware bounds that):
        # the parser's own 1 MiB cap would refuse a long text with a bare 400.
        form_limits={"max_part_size": settings.max_request_bytes},
    )
    engine = create_db_engine(settings.resolved_database_url, echo=settings.sql_echo)
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.renderer = Renderer(build_templates())
    app.state.page_cache = PageCache(settings.page_cache_mb * 1024 * 1024)
    app.state.limiter = Limiter(
        RedisBackend(settings.redis_url) if settings.redis_url else DatabaseBackend(engine),
        enabled=settings.rate_limits,
    )

    # Last added runs first: security headers wrap everything, the locale is known
    # before the CSRF check can refuse a request in the reader's language.
    # A crash answers a whole 500 page and leaves the connection usable (app/web/errors.py).
    app.add_middleware(CrashMiddleware)
    app.add_middleware(RequestsPerAddressMiddleware, per_minute=settings.requests_per_minute)
    app.add_middleware(CSRFMiddleware, secure=settings.secure_cookies)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_request_bytes,
        max_parts=settings.max_form_parts,
    )
    app.add_middleware(LocaleMiddleware, default=settings.default_locale)
    app.add_middleware(
        SecurityHeadersMiddleware,
        session_cookie=SESSION_COOKIE,
        force_https=settings.secure_cookies,
    )
    # Inside the request log, outside the security headers: it sees the final headers
    # and adds Vary: Accept-Encoding beside the Vary: Cookie of signed-in pages.
    app.add_middleware(GZipMiddleware, **GZIP_OPTIONS)
    app.add_middleware(RequestIdMiddleware)
    app.add_middleware(CrashMiddleware)
    app.mount("/static", MemoryStaticFiles(directory=STATIC_DIR, assets=ASSETS), name="static")
    app.include_router(health_router)
    app.include_router(api_router)
    # The OpenAPI document describes the JSON API; the HTML pages are not part of it.
    for pages in (
        spaces_router,
        accounts_router,
        comments_router,
        attachments_router,
        moderation_router,
        admin_router,
        notifications_router,
        curation_router,
        drafts_router,
        interchange_router,
        exports_router,
    ):
        app.include_router(pages, include_in_schema=False)
    install_error_handlers(app)
    return app
