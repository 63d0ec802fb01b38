"""The gift card order form (one or several cards) and the top-up form."""
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, Form, FormField, HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, ValidationError

from loyalty.clock import paris_day, utc_now
from marketplace import gift_cards
from marketplace.catalogue import AmountNotPositive, AmountTooHigh, InvalidValue, parse_price
from marketplace.forms import DateField, MaxLength
from marketplace.i18n import lazy_gettext


def amount_cents(field) -> int:
    """The field's euros as cents, within the territory's limits (else a ValidationError)."""
    try:
        cents = parse_price(field.data)
    except (AmountNotPositive, AmountTooHigh):
        cents = 0  # out of the range, which check_amount says
    except InvalidValue:
        raise ValidationError(gettext("Montant : un nombre d'euros, par exemple 30 ou 25,50.")) from None
    try:
        gift_cards.check_amount(cents)
    except gift_cards.GiftError as error:
        raise ValidationError(str(error)) from None
    return cents


class GiftCardForm(Form):
    """One card of the order (a sub-form: the CSRF token is the order form's)."""

    amount = StringField(lazy_gettext("Montant (€)"), validators=[DataRequired(lazy_gettext("Indiquez le montant."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    recipient_name = StringField(lazy_gettext("Prénom et nom du destinataire"), validators=[
        DataRequired(lazy_gettext("Indiquez le nom du destinataire.")), MaxLength(120)])
    recipient_email = EmailField(lazy_gettext("E-mail du destinataire"), validators=[
        DataRequired(lazy_gettext("Indiquez l'e-mail du destinataire.")),
        Email(lazy_gettext("Adresse e-mail du destinataire invalide.")), MaxLength(254)])
    message = TextAreaField(lazy_gettext("Votre message (facultatif)"), validators=[MaxLength(500)])
    deliver_on = DateField(lazy_gettext("Date d'envoi au destinataire"), validators=[
        DataRequired(lazy_gettext("Date d'envoi : une date au format jj/mm/aaaa."))])

    def validate_amount(self, field):
        amount_cents(field)

    def validate_deliver_on(self, field):
        if field.data and field.data < paris_day(utc_now()):
            raise ValidationError(gettext("Date d'envoi : aujourd'hui ou plus tard."))


class GiftOrderForm(FlaskForm):
    form_token = HiddenField()
    cards = FieldList(FormField(GiftCardForm), min_entries=1, max_entries=gift_cards.MAX_CARDS)
    buyer_name = StringField(lazy_gettext("Votre prénom et nom"), validators=[
        DataRequired(lazy_gettext("Indiquez votre nom.")), MaxLength(120)])
    buyer_email = EmailField(lazy_gettext("Votre e-mail (pour le reçu)"), validators=[
        DataRequired(lazy_gettext("Indiquez votre e-mail.")), Email(lazy_gettext("Votre adresse e-mail est invalide.")),
        MaxLength(254)])
    add_card = SubmitField(lazy_gettext("Ajouter une carte"))
    remove_card = SubmitField(lazy_gettext("Retirer la dernière carte"))
    submit = SubmitField(lazy_gettext("Continuer vers le paiement"))

    def gifts(self) -> list[gift_cards.GiftOrder]:
        return [gift_cards.GiftOrder(amount_cents=amount_cents(entry.form.amount),
                                     recipient_name=entry.form.recipient_name.data,
                                     recipient_email=entry.form.recipient_email.data,
                                     message=entry.form.message.data or "", deliver_on=entry.form.deliver_on.data)
                for entry in self.cards]


class TopUpForm(FlaskForm):
    form_token = HiddenField()
    amount = StringField(lazy_gettext("Montant à ajouter (€)"), validators=[DataRequired(lazy_gettext("Indiquez le montant."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    submit = SubmitField(lazy_gettext("Continuer vers le paiement"))

    def validate_amount(self, field):
        amount_cents(field)
