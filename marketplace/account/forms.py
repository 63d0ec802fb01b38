from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from marketplace.auth.forms import current_password_field
from marketplace.forms import MaxLength, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.territory import validate_commune_field


class ProfileForm(FlaskForm):
    first_name = StringField(lazy_gettext("Prénom"), validators=[MaxLength(80)])
    last_name = StringField(lazy_gettext("Nom"), validators=[MaxLength(80)])
    home_commune = StringField(
        lazy_gettext("Ma commune"),
        description=lazy_gettext("Nom ou code postal d'une commune du territoire."),
        render_kw={"autocomplete": "off", "list": "commune-options"},
    )
    locale = SelectField(lazy_gettext("Langue"),
                         choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")])
    submit = SubmitField(lazy_gettext("Enregistrer"))

    def validate_home_commune(self, field):
        if not field.raw_data:  # absent from the request (not merely left empty)
            raise ValidationError(lazy_gettext("Ce champ manque dans le formulaire envoyé : rechargez la page."))
        validate_commune_field(self, field)


class StockAlertForm(FlaskForm):
    """A button: be told, or no longer, when a sold-out product is back."""

    submit = SubmitField(lazy_gettext("Me prévenir par e-mail de son retour"))


class CloseAccountForm(FlaskForm):
    """Closing the account: its password again, and a tick (marketplace/account_closure.py)."""

    current_password = current_password_field()
    confirm = BooleanField(lazy_gettext("Je ferme mon compte pour de bon : il ne pourra pas être rouvert."),
                           validators=[DataRequired(lazy_gettext("Cochez la case pour confirmer."))])
    submit = SubmitField(lazy_gettext("Fermer mon compte"))
