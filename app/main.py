"""create_app(): settings, middleware, feature routers, static files, error pages. Wiring only."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app.accounts import service as accounts
from app.accounts.routes import router as accounts_router
from app.accounts.verification_routes import VerifyPage
from app.admin.routes import router as admin_router
from app.api.routes import router as api_router
from app.attachments.routes import router as attachments_router
from app.comments.routes import router as writing_aids_router
from app.config import Settings, get_settings
from app.curation.routes import router as curation_router
from app.db import create_db_engine, make_session_factory
from app.drafts.routes import router as drafts_router
from app.drafts.service import SourceWarning
from app.exports.jobs import Failure, JobState
from app.exports.routes import router as exports_router
from app.interchange.routes import router as interchange_router
from app.logs import RequestIdMiddleware
from app.models.analysis import ThemeKind
from app.moderation.queries import QueueFilter
from app.moderation.routes import router as moderation_router
from app.notifications.routes import UnsubscribePage
from app.notifications.routes import router as notifications_router
from app.ratelimit import DatabaseBackend, Limiter, RedisBackend
from app.search.routes import router as search_router
from app.spaces import cards
from app.spaces.comment_routes import router as comment_pages_router
from app.spaces.routes import own_reader as space_page_router
from app.spaces.routes import router as spaces_router
from app.synthesis.routes import router as synthesis_router
from app.synthesis.unheard import GapKind
from app.synthesis.workbench_routes import router as workbench_router
from app.web import form_errors, urls
from app.web.assets import ASSETS, STATIC_DIR
from app.web.compression import GZIP_OPTIONS
from app.web.csrf import CSRFMiddleware
from app.web.deps import READER, SESSION_COOKIE
from app.web.error_pages import CrashMiddleware, install_error_handlers
from app.web.health import router as health_router
from app.web.locale import LocaleMiddleware
from app.web.pagecache import PageCache
from app.web.request_rate import RequestsPerAddressMiddleware
from app.web.request_size import BodyLimitMiddleware
from app.web.security import SecurityHeadersMiddleware
from app.web.static import MemoryStaticFiles
from app.web.templates import Renderer, build_templates, install_states

# The HTML pages, in one table built at import: every app serves it, and code with no
# request at hand (the mail worker) builds its links from it (app/web/urls.py). The
# OpenAPI document describes the JSON API; the HTML pages are not part of it.
PAGES = APIRouter(include_in_schema=False)
# First, and matched first (it is the most read): the space page, which finds its reader
# through the page cache and serves one not signed in with no unit of work at all
# (app/web/pagecache.py). The root redirect and the writing aids (which language a text
# is in) show nothing of the reader.
PAGES.include_router(space_page_router)
PAGES.include_router(writing_aids_router)
# Every other page knows its reader before its handler runs, whether or not it asks for
# one: the layout shows who is signed in, and the unit of work reads as them.
_READ_AS_READER = APIRouter(dependencies=[READER])
for _pages in (
    spaces_router,
    accounts_router,
    comment_pages_router,
    attachments_router,
    moderation_router,
    admin_router,
    notifications_router,
    curation_router,
    drafts_router,
    interchange_router,
    exports_router,
    search_router,
    synthesis_router,
    workbench_router,
):
    _READ_AS_READER.include_router(_pages)
PAGES.include_router(_READ_AS_READER)
urls.install(PAGES)


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
    # What the shared plumbing (app/web) needs from features, handed in here: it imports none.
    app.state.resolve_viewer = accounts.resolve_viewer
    features = install_states(
        Failure,
        GapKind,
        JobState,
        QueueFilter,
        SourceWarning,
        ThemeKind,
        UnsubscribePage,
        VerifyPage,
    )
    app.state.renderer = Renderer(build_templates(installs=[cards.install, features]))
    app.state.page_cache = PageCache(settings.page_cache_mb * 1024 * 1024)
    app.state.limiter = Limiter(
        RedisBackend(settings.redis_url) if settings.redis_url else DatabaseBackend(engine),
        enabled=settings.rate_limits,
    )

    # Last added runs first: security headers wrap everything, the locale is known
    # before the CSRF check can refuse a request in the reader's language.
    # A crash answers a whole 500 page and leaves the connection usable (app/web/error_pages.py).
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
    app.include_router(PAGES)
    install_error_handlers(app)
    form_errors.install(app)
    return app
