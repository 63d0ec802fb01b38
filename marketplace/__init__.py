"""Halle, the territorial marketplace: the Flask application factory."""
import sqlite3

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine

from config import BASE_DIR, CONFIGS, INSTANCE_DIR
from marketplace import access, formatting, i18n, observability
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
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    observability.init_app(app)

    _init_extensions(app)
    _register_blueprints(app)
    app.before_request(access.enforce_access)
    formatting.register(app)
    _register_context(app)

    from marketplace import cli

    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    import marketplace.models  # noqa: F401  (registers the tables)
    import loyalty.models  # noqa: F401
    import search

    db.init_app(app)
    search.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    limiter.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_translation_directories=str(BASE_DIR / "translations"))
    i18n.install_template_gettext(app)

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = i18n.lazy_gettext("Connectez-vous pour accéder à cette page.")
    login_manager.localize_callback = str  # the flash reads it in the request's language
    login_manager.login_message_category = "info"

    from marketplace.models import User

    @login_manager.user_loader
    def load_user(user_id: str):
        return db.session.get(User, int(user_id))


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


def _register_blueprints(app: Flask) -> None:
    from marketplace.account.routes import bp as account_bp
    from marketplace.admin.routes import bp as admin_bp
    from marketplace.auth.routes import bp as auth_bp
    from marketplace.employer.routes import bp as employer_bp
    from marketplace.public.routes import bp as public_bp
    from marketplace.shop.routes import bp as shop_bp
    from marketplace.till.routes import bp as till_bp

    from marketplace.api import bp as api_bp
    from search.views import admin_bp as search_admin_bp

    for blueprint in (public_bp, auth_bp, account_bp, shop_bp, till_bp, employer_bp, admin_bp, api_bp,
                      search_admin_bp):
        app.register_blueprint(blueprint)
    from marketplace.cardholder.routes import bp as card_bp
    from marketplace.employer.admin_routes import bp as employer_admin_bp
    from marketplace.stripe_webhook import bp as stripe_bp

    for blueprint in (card_bp, employer_admin_bp, stripe_bp):
        app.register_blueprint(blueprint)
    from marketplace.public.territory_stats import bp as territory_stats_bp
    from marketplace.shop.statements import bp as shop_statements_bp

    for blueprint in (shop_statements_bp, territory_stats_bp):
        app.register_blueprint(blueprint)
    from marketplace.orders_bp.routes import bp as cart_bp
    from marketplace.shop.orders_routes import bp as shop_orders_bp

    for blueprint in (cart_bp, shop_orders_bp):
        app.register_blueprint(blueprint)


def _register_context(app: Flask) -> None:
    from marketplace.territory import current_commune

    @app.context_processor
    def inject_globals():
        return {
            "territory_name": app.config["TERRITORY_NAME"],
            "current_commune": current_commune(),
            "current_locale": _select_locale(),
        }


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """WAL and a busy timeout on SQLite, so readers never block the (single) writer."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()
