from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired

from marketplace.i18n import lazy_gettext


class CommuneChoiceForm(FlaskForm):
    commune = StringField(
        lazy_gettext("Ma commune"),
        validators=[DataRequired(lazy_gettext("Tapez le nom de votre commune ou son code postal."))],
        render_kw={"placeholder": lazy_gettext("Nom ou code postal"), "autocomplete": "off", "list": "commune-options"},
    )
    submit = SubmitField(lazy_gettext("Choisir"))
