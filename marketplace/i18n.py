"""`lazy_gettext` for texts defined at import time (form labels, validation messages, choice labels),
`error_message` for a refused operation's message in the reader's language, and the templates' `_()`.

Flask-Babel's LazyString declares `__html__` returning its raw text, so Jinja and WTForms would treat
every lazy label or message as safe markup: apostrophes would no longer be escaped, and a value
interpolated into a message (a product reference typed by a shopkeeper) would reach the page
unescaped. This one is escaped like the plain string it replaces.
"""
from flask_babel import get_locale, get_translations, gettext, ngettext
from flask_babel.speaklater import LazyString
from jinja2 import pass_context, pass_eval_context
from markupsafe import Markup, escape

from loyalty.errors import N_  # noqa: F401 (a text translated where it is shown: the page's _(label))

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"  # the territory's: outside a request, and for an address without an account
_CATALOGUE = "babel_catalogue"  # the template variable holding the page's translations
PAGE_LOCALE = "babel_locale"  # the one holding its Locale (the figures' filters, marketplace/formatting.py)


class _EscapedLazyString(LazyString):
    def __html__(self):
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables) -> LazyString:
    return _EscapedLazyString(gettext, string, **variables)


def lazy_ngettext(singular: str, plural: str, num: int, **variables) -> LazyString:
    """A count's text (%(num)s), in the number the reader's language gives it when rendered."""
    return _EscapedLazyString(ngettext, singular, plural, num, **variables)


def error_message(error: Exception) -> str:
    """The message of a refused operation in the reader's language. A ledger error (loyalty/ has no
    Flask: it marks its French texts with N_ and keeps its amounts in cents) is translated here;
    other errors already carry a translated text."""
    from loyalty.errors import LedgerError
    from marketplace.formatting import money

    return error.render(gettext, money) if isinstance(error, LedgerError) else str(error)


def colon() -> str:
    """What goes between a label and its value: French puts a space before the colon, English does
    not (« Total : 12 € », "Total: €12")."""
    locale = get_locale()
    return ": " if locale is not None and locale.language != "fr" else " : "


def install_template_gettext(app) -> None:
    """The templates' _(), ngettext, pgettext and npgettext read the catalogue that render_template
    picked for the page (a context processor, so under force_locale too) instead of asking
    Flask-Babel's get_translations for each text, which walks flask.g three times (~10 µs; a search
    page shows 35 texts). The page's Locale is kept the same way for its figures (money, numbers,
    distances). A template rendered without render_template still asks Flask-Babel.

    The page's `_` is also called directly: Jinja's own `_` goes through three nested calls to reach
    the catalogue. It keeps their rule (newstyle gettext): the text is markup when the template
    escapes, and always a format string for the variables, which are escaped."""

    @app.context_processor
    def catalogue():
        locale = get_locale()
        translations = get_translations()

        @pass_eval_context
        def page_gettext(eval_context, string: str, **variables):
            text = translations.ugettext(string)
            if eval_context.autoescape:
                text = Markup(text)
            # Formatting with nothing to put in only turns "%%" into "%".
            return text % variables if variables or "%" in text else text

        return {_CATALOGUE: translations, PAGE_LOCALE: locale, "current_locale": str(locale),
                "_": page_gettext}

    def from_page(method: str):
        @pass_context
        def translate(context, *args):
            return getattr(context.get(_CATALOGUE) or get_translations(), method)(*args)

        return translate

    app.jinja_env.globals["colon"] = colon
    app.jinja_env.install_gettext_callables(
        gettext=from_page("ugettext"), ngettext=from_page("ungettext"), pgettext=from_page("upgettext"),
        npgettext=from_page("unpgettext"), newstyle=True,
    )
