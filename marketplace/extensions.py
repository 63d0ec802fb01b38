"""Flask extensions, created once and bound to the app in create_app()."""
from flask import session
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from database import db  # noqa: F401  (defined beneath marketplace and loyalty; bound in create_app)


class _LoginManager(LoginManager):
    def _session_protection_failed(self) -> bool:
        """An empty session has nothing to protect: Flask-Login says so too, but only after hashing
        the visitor's address and browser, on every anonymous page view."""
        return bool(session) and super()._session_protection_failed()


migrate = Migrate()
login_manager = _LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
