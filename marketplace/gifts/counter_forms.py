"""The card counter's forms: a sale (one or several cards, a tender), the admin's counter and seller."""
from flask_wtf import FlaskForm
from wtforms import EmailField, FieldList, Form, FormField, HiddenField, SelectChoice, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Optional

from marketplace import gift_cards
from marketplace.counters import COUNTER_TENDERS, CounterCard, tender_label
from marketplace.gifts.forms import amount_cents
from marketplace.forms import MaxLength, RadioField, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.forms import OnceForm


class CounterCardForm(Form):
    """One card of the sale (a sub-form: the CSRF token is the sale form's)."""

    amount = StringField(lazy_gettext("Montant (€)"), validators=[DataRequired(lazy_gettext("Indiquez le montant."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    recipient_name = StringField(lazy_gettext("Nom du destinataire (facultatif)"), validators=[MaxLength(120)])
    recipient_email = EmailField(lazy_gettext("E-mail du destinataire (facultatif, pour le plafond d'abondement)"),
                                 validators=[Optional(), Email(lazy_gettext("Adresse e-mail du destinataire invalide.")),
                                             MaxLength(254)])

    def validate_amount(self, field):
        amount_cents(field)


class CounterSaleForm(FlaskForm):
    form_token = HiddenField()
    cards = FieldList(FormField(CounterCardForm), min_entries=1, max_entries=gift_cards.MAX_CARDS)
    tender = RadioField(lazy_gettext("Payé en"), choices=[SelectChoice(t, t) for t in COUNTER_TENDERS],
                        validators=[DataRequired(lazy_gettext("Choisissez le moyen de paiement."))])
    buyer_name = StringField(lazy_gettext("De la part de (facultatif, imprimé sur la carte)"),
                             validators=[MaxLength(120)])
    add_card = SubmitField(lazy_gettext("Ajouter une carte"))
    remove_card = SubmitField(lazy_gettext("Retirer la dernière carte"))
    submit = SubmitField(lazy_gettext("Encaisser et créer les cartes"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.tender.choices = [SelectChoice(t, tender_label(t)) for t in COUNTER_TENDERS]

    def counter_cards(self) -> list[CounterCard]:
        return [CounterCard(amount_cents=amount_cents(entry.form.amount),
                            recipient_name=entry.form.recipient_name.data or "",
                            recipient_email=entry.form.recipient_email.data or "") for entry in self.cards]


class CounterCreateForm(OnceForm):
    name = StringField(lazy_gettext("Nom du point de vente"), validators=[
        DataRequired(lazy_gettext("Indiquez le nom du point de vente.")), MaxLength(120)])
    commune = SelectField(lazy_gettext("Commune"), validators=[DataRequired(lazy_gettext("Choisissez la commune."))])
    submit = SubmitField(lazy_gettext("Créer le point de vente"))


class CounterSellerForm(FlaskForm):
    email = EmailField(lazy_gettext("E-mail du vendeur (sans compte Halle, il reçoit une invitation)"), validators=[
        DataRequired(lazy_gettext("Indiquez l'e-mail du vendeur.")),
        Email(lazy_gettext("Adresse e-mail du vendeur invalide.")), MaxLength(254)])
    submit = SubmitField(lazy_gettext("Ajouter le vendeur"))
