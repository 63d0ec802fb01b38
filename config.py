"""Configuration classes. Every setting can be overridden by an environment variable."""
import logging
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("HALLE_INSTANCE_DIR", BASE_DIR / "instance"))


def _development_secret(name: str = "secret_key") -> str:
    """A random secret kept in instance/ so sessions (and PINs) survive restarts; never committed."""
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    path = INSTANCE_DIR / name
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str) -> list[str] | None:
    value = os.environ.get(name)
    return [item.strip() for item in value.split(",") if item.strip()] if value else None


def _pin_secrets() -> str | None:
    if os.environ.get("PIN_SECRETS"):
        return os.environ["PIN_SECRETS"]
    return f"k1:{os.environ['PIN_SECRET']}" if os.environ.get("PIN_SECRET") else None


class Config:
    # The site's address as people reach it (scheme, host, optional path prefix): every link in an
    # email is built on it, never on the request's Host header (marketplace/urls.py).
    PUBLIC_URL = os.environ.get("PUBLIC_URL")
    TERRITORY_NAME = os.environ.get("TERRITORY_NAME", "Auxois Morvan")
    # Who runs the site, for its legal notice, privacy notice and terms (/mentions-legales,
    # /confidentialite, /conditions): the publisher (the territory's body), its address, the director
    # of publication, the address for questions and privacy requests, and the host. Unset in
    # production: the pages say the operator has not filled it in yet, and the app logs a warning.
    PUBLISHER_NAME = os.environ.get("PUBLISHER_NAME", "")
    PUBLISHER_ADDRESS = os.environ.get("PUBLISHER_ADDRESS", "")
    PUBLICATION_DIRECTOR = os.environ.get("PUBLICATION_DIRECTOR", "")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "")
    HOST_NAME = os.environ.get("HOST_NAME", "")
    HOST_ADDRESS = os.environ.get("HOST_ADDRESS", "")
    # The territory's bank account, debtor of the SEPA transfers that pay the shops.
    TERRITORY_IBAN = os.environ.get("TERRITORY_IBAN", "")
    TERRITORY_BIC = os.environ.get("TERRITORY_BIC", "")
    # First 4 digits of new card numbers (9…: ISO 7812 national use). Default; the admin can change it.
    CARD_PREFIX = os.environ.get("CARD_PREFIX", "9250")
    # A card with a PIN pays without it up to this amount (cents); unset: the PIN is always asked.
    CARD_PIN_REQUIRED_ABOVE_CENTS = (int(os.environ["CARD_PIN_REQUIRED_ABOVE_CENTS"])
                                     if os.environ.get("CARD_PIN_REQUIRED_ABOVE_CENTS") else None)
    # Five wrong PINs lock a card's PIN for this long (minutes). Default; the admin can change it.
    CARD_PIN_LOCK_MINUTES = int(os.environ.get("CARD_PIN_LOCK_MINUTES", 30))
    # Wrong PINs a shop may type (all its tills and API keys, all cards) before its PIN tries are
    # refused for the rest of the window: a shop cannot go through many cards' PINs.
    SHOP_WRONG_PIN_LIMIT = os.environ.get("SHOP_WRONG_PIN_LIMIT", "20 per hour")
    # Gift cards and top-ups bought online: each card's amount between these (cents), and how many
    # months the credit bought lasts (the territory's rule for bought credit).
    GIFT_CARD_MIN_CENTS = int(os.environ.get("GIFT_CARD_MIN_CENTS", 1000))
    GIFT_CARD_MAX_CENTS = int(os.environ.get("GIFT_CARD_MAX_CENTS", 50000))
    BOUGHT_CREDIT_MONTHS = int(os.environ.get("BOUGHT_CREDIT_MONTHS", 12))
    # Commission kept on settlements, in basis points (150 = 1.5 %). Default; the admin can change it.
    SETTLEMENT_COMMISSION_BPS = int(os.environ.get("SETTLEMENT_COMMISSION_BPS", 0))
    # Automatic settlement runs (daily | weekly | manual), default of the admin's setting; the folder
    # the bank's transfer client reads SEPA files from (unset: the admin sends them); the folder the
    # bank drops CAMT.053 statements in (unset: statements are uploaded on the admin page).
    SETTLEMENT_CADENCE = os.environ.get("SETTLEMENT_CADENCE", "weekly")
    SEPA_OUTBOX_DIR = os.environ.get("SEPA_OUTBOX_DIR") or None
    BANK_STATEMENT_DIR = os.environ.get("BANK_STATEMENT_DIR") or None
    # The tills reuse the card settings read by their web worker for this long (seconds): an admin's
    # change reaches the other workers within it. 0: read them on every payment.
    CARD_SETTINGS_MAX_AGE = float(os.environ.get("CARD_SETTINGS_MAX_AGE", 5))
    # The territory's main town (INSEE code), for "share spent outside"; default: most populous commune.
    TERRITORY_MAIN_TOWN_INSEE = os.environ.get("TERRITORY_MAIN_TOWN_INSEE")
    SQLALCHEMY_DATABASE_URI = os.environ.get(
        "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'halle.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A PostgreSQL streaming replica (read-only URL) for the public pages (marketplace/replicas.py);
    # unset: everything on DATABASE_URL. Those pages read the primary when the replica lags more than
    # REPLICA_MAX_LAG_SECONDS (measured every REPLICA_CHECK_SECONDS per process) or does not answer
    # within REPLICA_CONNECT_TIMEOUT_SECONDS, and for READ_YOUR_WRITES_SECONDS after a browser wrote.
    DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL") or None
    REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", 5))
    REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", 2))
    REPLICA_CONNECT_TIMEOUT_SECONDS = int(os.environ.get("REPLICA_CONNECT_TIMEOUT_SECONDS", 2))
    READ_YOUR_WRITES_SECONDS = float(os.environ.get("READ_YOUR_WRITES_SECONDS", 10))
    REDIS_URL = os.environ.get("REDIS_URL")
    SEARCH_BACKEND = os.environ.get("SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_DIR = os.environ.get("SEARCH_INDEX_DIR", str(INSTANCE_DIR / "search-index"))
    # Photos of shops and products (marketplace/images.py); several web hosts need one shared volume.
    MEDIA_DIR = os.environ.get("MEDIA_DIR", str(INSTANCE_DIR / "media"))
    # Background jobs (marketplace/jobs.py): rq | thread | inline; default rq when REDIS_URL is set.
    JOBS_BACKEND = os.environ.get("JOBS_BACKEND")
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")  # text | json
    METRICS_ENABLED = _bool("METRICS_ENABLED", True)
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN")  # when set, /metrics wants "Authorization: Bearer …"

    # Largest request body (a spreadsheet to import is at most 20 MB, a photo 5 MB): above, a 413
    # page before anything is read (marketplace/spreadsheets.py bounds what is read below it).
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 25 * 1024 * 1024))
    # Catalogue feeds (marketplace/feeds.py): seconds a fetch may take, minutes between two runs, and
    # whether a feed may name a private, loopback or link-local address (only tests and development).
    FEEDS_TIMEOUT_SECONDS = int(os.environ.get("FEEDS_TIMEOUT_SECONDS", 30))
    FEEDS_INTERVAL_MINUTES = int(os.environ.get("FEEDS_INTERVAL_MINUTES", 60))
    # An online order not paid after this long fails and gives back its stock and card holds.
    ORDER_PAYMENT_MINUTES = int(os.environ.get("ORDER_PAYMENT_MINUTES", 30))
    # A resident whose order has waited this many days for them is reminded once (09:00 UTC).
    ORDER_REMINDER_DAYS = int(os.environ.get("ORDER_REMINDER_DAYS", 2))
    # Holders are reminded of a credit left on their card this many days before its last day, once
    # each (10:00 UTC; marketplace/card_reminders.py): comma-separated, e.g. "30,7".
    CARD_EXPIRY_REMINDER_DAYS = tuple(sorted(
        {int(days) for days in os.environ.get("CARD_EXPIRY_REMINDER_DAYS", "30,7").split(",") if days.strip()}))
    FEEDS_ALLOW_PRIVATE_ADDRESSES = _bool("FEEDS_ALLOW_PRIVATE_ADDRESSES", False)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", False)
    # How long a login lasts ("Rester connecté" or not): then the password is asked again.
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("LOGIN_DAYS", 30)))

    WTF_CSRF_ENABLED = True
    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    LANGUAGES = ["fr", "en"]

    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    # If Redis (the shared limit store) is down, count in each process's memory meanwhile:
    # a till must not get a 500 because the rate-limit store restarts.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    # Reverse proxies (load balancer, TLS front) in front of the web servers: the client's address is
    # then the one the last of them adds to X-Forwarded-For. 0 (no proxy): the header is ignored, since
    # anyone can send it, and every limit per address would count the proxy's own address.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", 0))
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute")
    # Wrong passwords for one address (from any client): locked after LOGIN_LOCK_AFTER, for
    # LOGIN_LOCK_SECONDS doubled at each further failure, at most LOGIN_LOCK_MAX_SECONDS.
    LOGIN_LOCK_AFTER = int(os.environ.get("LOGIN_LOCK_AFTER", 5))
    LOGIN_LOCK_SECONDS = int(os.environ.get("LOGIN_LOCK_SECONDS", 60))
    LOGIN_LOCK_MAX_SECONDS = int(os.environ.get("LOGIN_LOCK_MAX_SECONDS", 3600))
    PASSWORD_RESET_RATE_LIMIT = os.environ.get("PASSWORD_RESET_RATE_LIMIT", "5 per hour")
    # Sign-ups from one address: a script creating accounts (or probing which addresses have one)
    # is stopped; a town hall's sign-up morning behind one public address is not.
    SIGNUP_RATE_LIMIT = os.environ.get("SIGNUP_RATE_LIMIT", "20 per hour")
    PASSWORD_RESET_MAX_AGE = int(os.environ.get("PASSWORD_RESET_MAX_AGE", 3600))
    # A link that confirms an address (a sign-up's, or a new login e-mail's) lasts this long.
    EMAIL_CHANGE_MAX_AGE = int(os.environ.get("EMAIL_CHANGE_MAX_AGE", 48 * 3600))
    # An account that never confirmed its address and holds nothing is closed this many days after
    # the last link was mailed to it (the mail says so): a mistyped or borrowed address does not keep
    # an account, and the address is free for its owner.
    UNCONFIRMED_ACCOUNT_DAYS = int(os.environ.get("UNCONFIRMED_ACCOUNT_DAYS", 30))
    PASSWORD_HASH_METHOD = "scrypt"
    TILL_LOOKUP_RATE_LIMIT = os.environ.get("TILL_LOOKUP_RATE_LIMIT", "30 per minute")
    # The admin's card desk (/admin/cartes): look-ups by number, QR code or e-mail, per admin.
    CARD_DESK_RATE_LIMIT = os.environ.get("CARD_DESK_RATE_LIMIT", "30 per minute")
    API_LOOKUP_RATE_LIMIT = os.environ.get("API_LOOKUP_RATE_LIMIT", "120 per minute")  # per shop, all its keys
    # Barcode look-ups in the territory's reference (the product form's scanner), per shop member.
    REFERENCE_LOOKUP_RATE_LIMIT = os.environ.get("REFERENCE_LOOKUP_RATE_LIMIT", "60 per minute")

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "console")  # console | smtp | memory
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _bool("MAIL_USE_TLS", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Halle <ne-pas-repondre@halle.local>")
    SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")  # marketplace/sms.py (console: logged, kept in memory)

    STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY")
    STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY")
    STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE")
    STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET")
    # A payout short of what the ledger expected by at most this share of it (basis points) is Stripe's fees.
    STRIPE_FEE_TOLERANCE_BPS = int(os.environ.get("STRIPE_FEE_TOLERANCE_BPS", "500"))
    STRIPE_JS_URL = os.environ.get("STRIPE_JS_URL", "https://js.stripe.com/v3/")
    # Monthly social-security ceiling (PMSS) per year, in cents: gifts are exempt up to 5 % of it.
    PMSS_CENTS_BY_YEAR = {2024: 386_400, 2025: 392_500, 2026: 400_500}

    @property
    def SECRET_KEY(self) -> str:  # noqa: N802 - Flask setting name
        return os.environ.get("SECRET_KEY") or _development_secret()

    @property
    def PIN_SECRETS(self) -> str | None:  # noqa: N802
        """The keys of the cards' PIN hashes (loyalty/pins.py), never in the database:
        "keyid:secret,keyid:secret", the first hashes new PINs, the others still verify
        (rotation); or one PIN_SECRET (key id k1). In development, one kept in instance/."""
        return _pin_secrets() or f"k1:{_development_secret('pin_secret')}"


class DevelopmentConfig(Config):
    DEBUG = True
    # run.py serves on 127.0.0.1:PORT; TRUSTED_HOSTS is not enforced in development.
    PUBLIC_URL = os.environ.get("PUBLIC_URL") or f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"
    FEEDS_ALLOW_PRIVATE_ADDRESSES = _bool("FEEDS_ALLOW_PRIVATE_ADDRESSES", True)
    # The demo's territory account (`make demo`): fictitious, with valid RIB and IBAN check digits,
    # shown on the transfer instructions and used as the debtor of the SEPA file.
    TERRITORY_IBAN = os.environ.get("TERRITORY_IBAN", "FR7630001002152114000000104")
    TERRITORY_BIC = os.environ.get("TERRITORY_BIC", "BDFEFRPPCCT")
    # The demo's operator (fictitious), for its legal pages.
    PUBLISHER_NAME = os.environ.get("PUBLISHER_NAME", "Communauté de communes de l'Auxois Morvan (démonstration)")
    PUBLISHER_ADDRESS = os.environ.get("PUBLISHER_ADDRESS", "2 place de l'Hôtel de Ville, 21140 Semur-en-Auxois")
    PUBLICATION_DIRECTOR = os.environ.get("PUBLICATION_DIRECTOR", "La présidente de la communauté de communes")
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "contact@demo.halle.fr")
    HOST_NAME = os.environ.get("HOST_NAME", "Votre ordinateur (démonstration locale)")
    HOST_ADDRESS = os.environ.get("HOST_ADDRESS", "127.0.0.1")


class TestingConfig(Config):
    TESTING = True
    PUBLIC_URL = "http://localhost"  # what the test client's requests use
    MAIL_BACKEND = "memory"
    SECRET_KEY = "test-secret-key-not-for-production"
    PIN_SECRETS = "t1:test-pin-secret-not-for-production"
    WTF_CSRF_ENABLED = _bool("WTF_CSRF_ENABLED", False)
    # Cheap hashes keep the suite fast; production uses scrypt (Config default).
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    JOBS_BACKEND = os.environ.get("TEST_JOBS_BACKEND", "inline")
    # Tests write the settings behind the workers' back (and empty the tables between tests).
    CARD_SETTINGS_MAX_AGE = 0
    FEEDS_ALLOW_PRIVATE_ADDRESSES = True  # the feeds' tests serve them on loopback


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_SECURE = _bool("SESSION_COOKIE_SECURE", True)
    # Host names the site answers for (comma-separated; ".example.fr" takes its subdomains); any
    # other Host header gets 400. Unset: PUBLIC_URL's host (check_production_settings).
    TRUSTED_HOSTS = _list("TRUSTED_HOSTS")
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 31_536_000))  # Strict-Transport-Security max-age
    SECRET_KEY = os.environ.get("SECRET_KEY")  # required: check_production_settings
    PIN_SECRETS = _pin_secrets()  # required: check_production_settings


# What the legal pages say of the operator (marketplace/public/legal_routes.py).
LEGAL_SETTINGS = ("PUBLISHER_NAME", "PUBLISHER_ADDRESS", "PUBLICATION_DIRECTOR", "CONTACT_EMAIL", "HOST_NAME",
                  "HOST_ADDRESS")


def check_production_settings(app) -> None:
    """HALLE_CONFIG=production refuses to start without the settings that keep it safe (one error
    naming every missing one); then TRUSTED_HOSTS defaults to PUBLIC_URL's host."""
    config = app.config
    missing = []
    if not config.get("SECRET_KEY"):
        missing.append("SECRET_KEY (signs sessions and reset links)")
    public = urlsplit(config.get("PUBLIC_URL") or "")
    if public.scheme not in ("http", "https") or not public.hostname:
        missing.append("PUBLIC_URL (the site's address for emailed links, e.g. https://halle.example.fr)")
    if not config.get("PIN_SECRETS"):
        missing.append("PIN_SECRET or PIN_SECRETS (the key of the cards' PIN hashes)")
    if config.get("METRICS_ENABLED") and not config.get("METRICS_TOKEN"):
        missing.append("METRICS_TOKEN (/metrics would be public; or METRICS_ENABLED=0)")
    if missing:
        raise RuntimeError("HALLE_CONFIG=production cannot start without: " + "; ".join(missing))
    unset = [name for name in LEGAL_SETTINGS if not config.get(name)]
    if unset:  # the legal pages say so to their readers; the site still serves
        logging.getLogger(__name__).warning("the legal pages lack %s (config.py, Config)", ", ".join(unset))
    if config.get("TRUSTED_HOSTS") is None:
        config["TRUSTED_HOSTS"] = [public.hostname]


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
