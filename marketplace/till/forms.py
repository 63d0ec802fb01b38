from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from loyalty.cards import is_valid_number
from marketplace.catalogue import AmountTooHigh, InvalidValue, parse_price, too_high
from marketplace.forms import MaxLength, OnceForm
from marketplace.i18n import lazy_gettext
from marketplace.till.service import MAX_PAYMENT_CENTS


def _payment_cents(field, unreadable) -> int:
    """The amount typed at the till in cents: at most one card payment's maximum, the POS API's too."""
    try:
        cents = parse_price(field.data)
    except AmountTooHigh:
        cents = MAX_PAYMENT_CENTS + 1
    except InvalidValue:
        raise ValidationError(unreadable) from None
    if cents > MAX_PAYMENT_CENTS:
        raise ValidationError(too_high(field.label.text, MAX_PAYMENT_CENTS))
    return cents


class ApiKeyForm(OnceForm):
    name = StringField(
        lazy_gettext("Nom de la clé"),
        validators=[DataRequired(lazy_gettext("Donnez un nom à la clé (par exemple « Caisse comptoir »).")),
                    MaxLength(80)],
        description=lazy_gettext(
            "Pour la reconnaître plus tard : le logiciel ou le poste de caisse qui l'utilise."),
    )
    submit = SubmitField(lazy_gettext("Créer la clé"))

class PaymentForm(FlaskForm):
    """The till: card, amount, PIN when the card has one; `key` makes a double tap harmless."""

    card = StringField(
        lazy_gettext("Numéro de carte ou QR code"),
        validators=[DataRequired(lazy_gettext("Tapez le numéro de la carte ou scannez son QR code."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "autofocus": True},
    )
    amount = StringField(
        lazy_gettext("Montant"),
        validators=[DataRequired(lazy_gettext("Tapez le montant à encaisser (par exemple 12,50)."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "placeholder": "12,50"},
    )
    pin = PasswordField(lazy_gettext("Code PIN"),
                        description=lazy_gettext("Si la carte en a un : le client le tape ou vous le dit."),
                        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4})
    key = HiddenField()
    accept_partial = HiddenField(default="")
    submit = SubmitField(lazy_gettext("Encaisser"))

    amount_cents: int | None = None

    def validate_card(self, field):
        compact = field.data.replace(" ", "").replace("-", "")
        if compact.isdigit() and not is_valid_number(compact):
            raise ValidationError(lazy_gettext("Numéro de carte invalide : vérifiez les 16 chiffres."))

    def validate_amount(self, field):
        self.amount_cents = _payment_cents(field, lazy_gettext("Montant invalide : tapez par exemple 12,50."))

    def validate_pin(self, field):
        if field.data and not (len(field.data) == 4 and field.data.isdigit()):
            raise ValidationError(lazy_gettext("Le code PIN a 4 chiffres."))


class VoidForm(FlaskForm):
    reason = StringField(
        lazy_gettext("Motif de l'annulation"),
        validators=[DataRequired(lazy_gettext("Indiquez pourquoi vous annulez ce paiement.")), MaxLength(200)],
    )
    key = HiddenField()
    submit = SubmitField(lazy_gettext("Annuler ce paiement"))


class RefundForm(FlaskForm):
    amount = StringField(
        lazy_gettext("Montant à rembourser"),
        validators=[DataRequired(lazy_gettext("Tapez le montant à rembourser."))],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    key = HiddenField()
    submit = SubmitField(lazy_gettext("Rembourser"))

    amount_cents: int | None = None

    def validate_amount(self, field):
        self.amount_cents = _payment_cents(field, lazy_gettext("Montant invalide : tapez par exemple 4,90."))
