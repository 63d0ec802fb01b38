from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from marketplace.i18n import lazy_gettext


class QuantityForm(FlaskForm):
    quantity = IntegerField(lazy_gettext("Quantité"), default=1,
                            validators=[InputRequired(lazy_gettext("Indiquez une quantité.")),
                                        NumberRange(0, 99, lazy_gettext("La quantité va de 0 à 99."))])
    submit = SubmitField(lazy_gettext("Ajouter au panier"))


class ButtonForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField(lazy_gettext("Confirmer"))


class RefuseForm(FlaskForm):
    reason = TextAreaField(lazy_gettext("Raison du refus"),
                           validators=[DataRequired(lazy_gettext("Indiquez la raison du refus.")), Length(max=1000)])
    submit = SubmitField(lazy_gettext("Refuser et rembourser"))


class ReadyForm(FlaskForm):
    compartment = SelectField(lazy_gettext("Casier"), coerce=int, validators=[Optional()], validate_choice=False)
    submit = SubmitField(lazy_gettext("Prête"))


class LockerBankForm(FlaskForm):
    name = StringField(lazy_gettext("Nom"),
                       validators=[DataRequired(lazy_gettext("Indiquez le nom.")), Length(max=140)])
    slug = StringField(lazy_gettext("Identifiant (URL de l'API)"),
                       validators=[DataRequired(lazy_gettext("Indiquez l'identifiant.")), Length(max=80)])
    address = StringField(lazy_gettext("Adresse"),
                          validators=[DataRequired(lazy_gettext("Indiquez l'adresse.")), Length(max=200)])
    station = StringField(lazy_gettext("Gare ou arrêt"), validators=[Length(max=140)])
    commune_insee = StringField(lazy_gettext("Code INSEE de la commune"), validators=[Optional(), Length(min=5, max=5)])
    sizes = StringField(lazy_gettext("Casiers (tailles S, M, L séparées par des espaces)"), default="S S M M M M L L",
                        validators=[DataRequired(lazy_gettext("Indiquez au moins un casier."))])
    submit = SubmitField(lazy_gettext("Créer la consigne"))


class CheckoutToken(FlaskForm):
    checkout_key = HiddenField()
