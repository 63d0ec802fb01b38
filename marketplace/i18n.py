"""`lazy_gettext` for texts defined at import time (form labels, validation messages, choice labels),
and `error_message` for a refused operation's message in the reader's language.

Flask-Babel's LazyString declares `__html__` returning its raw text, so Jinja and WTForms would treat
every lazy label or message as safe markup: apostrophes would no longer be escaped, and a value
interpolated into a message (a product reference typed by a shopkeeper) would reach the page
unescaped. This one is escaped like the plain string it replaces.
"""
from flask_babel import gettext
from flask_babel.speaklater import LazyString
from markupsafe import escape

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"  # the territory's: outside a request, and for an address without an account


class _EscapedLazyString(LazyString):
    def __html__(self):
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyString:
    return _EscapedLazyString(gettext, string, **variables)


def error_message(error: Exception) -> str:
    """The message of a refused operation in the reader's language. A ledger error (loyalty/ has no
    Flask: it marks its French texts with N_ and keeps its amounts in cents) is translated here;
    other errors already carry a translated text."""
    from loyalty.errors import LedgerError
    from marketplace.formatting import money

    return error.render(gettext, money) if isinstance(error, LedgerError) else str(error)
