"""Halle, the territorial marketplace: the Flask application factory."""
import importlib
import sqlite3
import sys

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, CONFIGS, INSTANCE_DIR, check_production_settings
from marketplace import (access, formatting, http_cache, i18n, observability, replicas, request_guard,
                         security_headers, session_cookie, text_search, urls)
from marketplace.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config_name: str = "development", **overrides) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    app.config.from_object(CONFIGS[config_name]())
    app.config.update(overrides)
    app.session_interface = session_cookie.SessionInterface()
    if config_name == "production":
        check_production_settings(app)
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    if app.config["TRUSTED_PROXIES"]:  # the client's address and scheme as the proxies saw them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["TRUSTED_PROXIES"],
                                x_proto=app.config["TRUSTED_PROXIES"])
    observability.init_app(app)
    security_headers.init_app(app)
    request_guard.init_app(app)

    _init_extensions(app)
    _register_blueprints(app)
    app.before_request(access.enforce_access)
    replicas.init_app(app)  # after the access check: logins are read on the primary
    formatting.register(app)
    http_cache.init_app(app)
    _register_context(app)

    from marketplace import cli, jobs, periodic

    cli.register(app)
    # The development server runs the periodic jobs itself (no Redis, no scheduler process).
    app.config.setdefault("PERIODIC_JOBS_THREAD", app.debug and not app.testing and jobs.backend(app) == "thread")
    if app.config["PERIODIC_JOBS_THREAD"]:
        periodic.start_periodic_thread_on_first_request(app)
    return app


def _init_extensions(app: Flask) -> None:
    import marketplace.models  # noqa: F401  (registers the tables)
    import loyalty.models  # noqa: F401
    import search
    from loyalty import pins, terms
    from marketplace.card_acceptance import acceptance_for_shop_id, terms_statement

    db.init_app(app)
    pins.configure(pins.PinKeys.parse(app.config["PIN_SECRETS"]))
    terms.configure(acceptance_for_shop_id, terms_statement)
    search.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories=str(BASE_DIR / "translations"))
    i18n.install_template_gettext(app)
    urls.install_template_url_cache(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.lazy_gettext("Connectez-vous pour accéder à cette page.")
    login_manager.localize_callback = str  # the flash reads it in the request's language
    login_manager.login_message_category = "info"

    from marketplace.auth import sessions

    login_manager.user_loader(sessions.load_user)


def _select_locale() -> str:
    """?lang=, then the session, then the account; for the JSON API (tills, lockers, other software:
    no session, no account) the Accept-Language header next; French outside a request (CLI, jobs,
    mails). The pages leave Accept-Language aside: the territory's language is their default."""
    if not has_request_context():
        return i18n.DEFAULT_LANGUAGE
    api = request.path.startswith("/api/")
    requested = request.args.get("lang")
    if requested in i18n.LANGUAGES:
        if not api:
            session["lang"] = requested
        return requested
    if session.get("lang") in i18n.LANGUAGES:
        return session["lang"]
    if current_user and current_user.is_authenticated and current_user.locale in i18n.LANGUAGES:
        return current_user.locale
    if api:
        return request.accept_languages.best_match(i18n.LANGUAGES) or i18n.DEFAULT_LANGUAGE
    return i18n.DEFAULT_LANGUAGE


# Every blueprint as "module:attribute", in registration order.
BLUEPRINTS = (
    "marketplace.public.views:bp", "marketplace.auth.routes:bp", "marketplace.account.routes:bp",
    "marketplace.shop.routes:bp", "marketplace.till.routes:bp", "marketplace.employer.routes:bp",
    "marketplace.admin.views:bp", "marketplace.api.views:bp", "search.views:admin_bp",
    "marketplace.cardholder.routes:bp", "marketplace.employer.admin_routes:bp", "marketplace.stripe_webhook:bp",
    "marketplace.health:bp",
    "marketplace.shop.statements:bp", "marketplace.public.territory_stats:bp",
    "marketplace.orders_bp.routes:bp", "marketplace.shop.orders_routes:bp", "marketplace.shop.feeds_routes:bp",
    "marketplace.gifts.views:bp", "marketplace.gifts.counter_routes:bp",
    "marketplace.shop.lockers_routes:bp", "marketplace.public.locker_pay_routes:bp",
    "marketplace.union.routes:bp", "marketplace.commune_space.routes:bp",
)


def _register_blueprints(app: Flask) -> None:
    for path in BLUEPRINTS:
        module, attribute = path.split(":")
        app.register_blueprint(getattr(importlib.import_module(module), attribute))


def import_application_code() -> int:
    """Import every module the app is built from, without building an app: no database or Redis
    connection is made. gunicorn's master calls it (gunicorn.conf.py)
    so that each worker, first or recycled, is forked with the code loaded (~1.2 s of CPU saved per
    worker start). Returns how many modules are loaded."""
    import marketplace.cli  # noqa: F401
    import marketplace.models  # noqa: F401
    import marketplace.territory  # noqa: F401
    import loyalty.models  # noqa: F401
    import search  # noqa: F401

    for path in BLUEPRINTS:
        importlib.import_module(path.split(":")[0])
    return len(sys.modules)


def _register_context(app: Flask) -> None:
    from flask_login import current_user

    from marketplace import cart
    from marketplace.access import spaces_of
    from marketplace.territory import current_commune

    # The counters, associations and communes the user works for (the menu, the account page).
    app.add_template_global(lambda: spaces_of(current_user), "my_spaces")
    app.add_template_global(cart.count, "cart_count")  # the header's "Panier (3)"

    @app.context_processor
    def inject_globals():
        return {
            "territory_name": app.config["TERRITORY_NAME"],
            "current_commune": current_commune(),
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and a busy timeout on SQLite, so readers never block the (single) writer; a lower() that
    lowers every letter as PostgreSQL's does ("INÈS" finds "Inès"), not only ASCII ones; and the
    search boxes' folding without accents, halle_fold() (marketplace/text_search.py)."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.create_function("lower", 1, lambda text: text if text is None else text.lower(),
                                         deterministic=True)
        dbapi_connection.create_function("halle_fold", 1, text_search.fold, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
