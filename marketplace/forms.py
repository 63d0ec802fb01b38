"""The forms every space shares: a bare POST button, and a destructive action's tick box."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, SubmitField
from wtforms.validators import DataRequired

from marketplace.i18n import lazy_gettext


class ButtonForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField(lazy_gettext("Confirmer"))


class ConfirmForm(FlaskForm):
    """A destructive action: the user ticks the box to confirm (checked by the server too)."""

    confirm = BooleanField(lazy_gettext("Je confirme"),
                           validators=[DataRequired(lazy_gettext("Cochez la case pour confirmer."))])
    submit = SubmitField(lazy_gettext("Confirmer"))
