from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from marketplace import lockers, sms
from marketplace.employer.forms import EurosField
from marketplace.forms import IntegerField, MaxLength, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.territory import validate_commune_field


class QuantityForm(FlaskForm):
    quantity = IntegerField(lazy_gettext("Quantité"), default=1,
                            validators=[InputRequired(lazy_gettext("Indiquez une quantité.")),
                                        NumberRange(0, 99, lazy_gettext("La quantité va de 0 à 99."))])
    submit = SubmitField(lazy_gettext("Ajouter au panier"))

class RefuseForm(FlaskForm):
    reason = TextAreaField(lazy_gettext("Raison du refus"),
                           validators=[DataRequired(lazy_gettext("Indiquez la raison du refus.")), MaxLength(1000)])
    submit = SubmitField(lazy_gettext("Refuser et rembourser"))


class ReadyForm(FlaskForm):
    compartment = SelectField(lazy_gettext("Casier"), coerce=int, validators=[Optional()], validate_choice=False)
    submit = SubmitField(lazy_gettext("Prête"))


class LockerBankForm(FlaskForm):
    name = StringField(lazy_gettext("Nom"),
                       validators=[DataRequired(lazy_gettext("Indiquez le nom.")), MaxLength(140)])
    slug = StringField(lazy_gettext("Identifiant (URL de l'API)"),
                       validators=[DataRequired(lazy_gettext("Indiquez l'identifiant.")), MaxLength(80),
                                   Regexp(r"\s*[a-z0-9-]+\s*\Z", message=lazy_gettext(
                                       "Identifiant : lettres minuscules sans accent, chiffres et tirets "
                                       "uniquement (par exemple montbard-gare)."))])
    address = StringField(lazy_gettext("Adresse"),
                          validators=[DataRequired(lazy_gettext("Indiquez l'adresse.")), MaxLength(200)])
    station = StringField(lazy_gettext("Gare ou arrêt"), validators=[MaxLength(140)])
    commune = StringField(lazy_gettext("Commune (nom ou code postal)"),
                          validators=[MaxLength(80), validate_commune_field],
                          render_kw={"list": "commune-options", "autocomplete": "off"})
    sizes = StringField(lazy_gettext("Casiers (tailles S, M, L séparées par des espaces)"), default="S S M M M M L L",
                        validators=[DataRequired(lazy_gettext("Indiquez au moins un casier."))])
    submit = SubmitField(lazy_gettext("Créer la consigne"))


class CheckoutToken(FlaskForm):
    checkout_key = HiddenField()


class DepositForm(FlaskForm):
    """A business books a locker compartment for a named person (phone and/or email)."""

    booking_key = HiddenField()
    bank = SelectField(lazy_gettext("Consigne"), coerce=int, validate_choice=False,
                       validators=[InputRequired(lazy_gettext("Choisissez une consigne."))])
    size = SelectField(lazy_gettext("Taille du casier"), validate_choice=False,
                       validators=[DataRequired(lazy_gettext("Choisissez une taille de casier."))])
    recipient_name = StringField(lazy_gettext("Nom de la personne"), render_kw={"autocomplete": "off"},
                                 validators=[DataRequired(lazy_gettext("Nom de la personne : indiquez-le.")),
                                             MaxLength(140)])
    recipient_phone = StringField(lazy_gettext("Téléphone portable (code par SMS)"),
                                  render_kw={"type": "tel", "inputmode": "tel", "autocomplete": "off"},
                                  validators=[Optional(), MaxLength(30)])
    recipient_email = EmailField(lazy_gettext("Adresse e-mail (code par e-mail)"), render_kw={"autocomplete": "off"},
                                 validators=[Optional(), Email(lazy_gettext("Adresse e-mail invalide.")),
                                             MaxLength(254)])
    note = StringField(lazy_gettext("Ce que vous déposez (pour vous y retrouver)"), validators=[MaxLength(300)])
    amount = EurosField(lazy_gettext("À payer au retrait (€, facultatif)"), maximum_cents=lockers.MAX_AMOUNT_CENTS,
                        render_kw={"inputmode": "decimal", "autocomplete": "off"},
                        description=lazy_gettext("La personne reçoit un lien de paiement (carte bancaire ou carte du "
                                                 "territoire), puis le code une fois payé. Vide : rien à payer."))
    submit = SubmitField(lazy_gettext("Réserver le casier"))

    def validate_recipient_phone(self, field):
        if field.data and field.data.strip():
            try:
                field.data = sms.normalise_phone(field.data)
            except sms.SmsError as error:
                raise ValidationError(str(error)) from error
        elif not (self.recipient_email.data or "").strip():
            raise ValidationError(lazy_gettext("Indiquez le téléphone ou l'adresse e-mail de la personne : le code "
                                               "lui est envoyé."))


class CancelDepositForm(FlaskForm):
    confirm = BooleanField(lazy_gettext("Je confirme l'annulation"),
                           validators=[DataRequired(lazy_gettext("Cochez la case pour confirmer l'annulation."))])


class DepositCardPayForm(FlaskForm):
    """The person pays a locker deposit with the territorial card: its number and PIN."""

    card_number = StringField(lazy_gettext("Numéro de la carte du territoire"),
                              render_kw={"inputmode": "numeric", "autocomplete": "off"},
                              validators=[DataRequired(lazy_gettext("Numéro de la carte : indiquez-le.")),
                                          MaxLength(40)])
    pin = StringField(lazy_gettext("Code PIN de la carte"),
                      render_kw={"type": "password", "inputmode": "numeric", "autocomplete": "off"},
                      validators=[DataRequired(lazy_gettext("Code PIN : indiquez-le.")), MaxLength(12)])
    submit = SubmitField(lazy_gettext("Payer avec la carte du territoire"))
