from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from stdnum.exceptions import ValidationError as StdnumError
from sqlalchemy import select
from stdnum.fr import siret
from wtforms import BooleanField, EmailField, HiddenField, SelectChoice, SelectMultipleField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.catalogue import MAX_AMOUNT_CENTS, AmountTooHigh, InvalidValue, parse_price, too_high
from marketplace.extensions import db
from marketplace.forms import DateField, IntegerField, MaxLength, RadioField, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.models import Employer
from marketplace.models.campaigns import CAMPAIGN_EVENTS, CHILD_EVENTS
from marketplace.territory import validate_commune_field
from marketplace.forms import OnceForm


class EurosField(StringField):
    """An amount in euros typed the French way; `.cents` holds the parsed integer cents."""

    cents: int | None = None

    def __init__(self, *args, maximum_cents: int = MAX_AMOUNT_CENTS, **kwargs):
        """`maximum_cents`: the most the form's own check accepts, said when the typed amount is
        beyond what can be read (the form's check says it for the other amounts above)."""
        kwargs["render_kw"] = {"inputmode": "decimal", **kwargs.get("render_kw", {})}  # a phone's number pad
        super().__init__(*args, **kwargs)
        self.maximum_cents = maximum_cents

    def pre_validate(self, form):
        self.cents = None
        if self.data and self.data.strip():
            try:
                self.cents = parse_price(self.data, allow_zero=True)
            except AmountTooHigh:
                raise ValidationError(too_high(self.label.text, self.maximum_cents)) from None
            except InvalidValue:
                raise ValidationError(lazy_gettext("Montant invalide : écrivez par exemple 150 ou 150,50.")) from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _name_field() -> StringField:
    return StringField(lazy_gettext("Raison sociale"),
                       validators=[DataRequired(lazy_gettext("Indiquez le nom de l'entreprise.")), MaxLength(140)])


def _siret_field() -> StringField:
    return StringField(lazy_gettext("SIRET"),
                       validators=[DataRequired(lazy_gettext("Indiquez le numéro SIRET (14 chiffres)."))],
                       description=lazy_gettext("14 chiffres, sur un extrait Kbis ou un bulletin de paie."),
                       render_kw={"inputmode": "numeric"})


def _address_field() -> StringField:
    return StringField(lazy_gettext("Adresse"),
                       validators=[DataRequired(lazy_gettext("Indiquez l'adresse.")), MaxLength(200)])


class _SiretCheck:
    """The SIRET's check, for the forms that have a `siret` field (kept as its 14 digits)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = kwargs.get("obj")  # the company whose details these are; None for a new one

    def validate_siret(self, field):
        try:
            field.data = siret.validate(field.data or "")
        except StdnumError:
            raise ValidationError(lazy_gettext("Numéro SIRET invalide : vérifiez les 14 chiffres.")) from None
        # One company, one registration (not counting a rejected one); its HR team grows by invitation.
        query = select(Employer.id).where(Employer.siret == field.data, Employer.status != "rejected")
        if self.stored is not None:
            query = query.where(Employer.id != self.stored.id)
        if db.session.scalar(query.limit(1)) is not None:
            raise ValidationError(lazy_gettext(
                "SIRET : une entreprise avec ce numéro est déjà inscrite sur Halle ; demandez à son service RH de "
                "vous inviter dans son espace."))


class EmployerRegistrationForm(_SiretCheck, FlaskForm):
    name = _name_field()
    siret = _siret_field()
    address = _address_field()
    commune = StringField(lazy_gettext("Commune"), validators=[DataRequired(lazy_gettext("Indiquez la commune."))],
                          render_kw={"autocomplete": "off", "list": "commune-options"},
                          description=lazy_gettext("Une commune du territoire (nom ou code postal)."))
    billing_email = EmailField(lazy_gettext("E-mail de facturation"),
                               validators=[DataRequired(lazy_gettext("Indiquez l'adresse de facturation.")),
                                           Email(lazy_gettext("Adresse e-mail invalide.")), MaxLength(254)])
    submit = SubmitField(lazy_gettext("Demander l'ouverture du compte"))

    def validate_commune(self, field):
        validate_commune_field(self, field)


class EmployerDetailsForm(_SiretCheck, FlaskForm):
    """What the company's receipts print about it, kept up to date by its HR members."""

    name = _name_field()
    siret = _siret_field()
    address = _address_field()
    submit = SubmitField(lazy_gettext("Enregistrer"))


class InviteForm(OnceForm):
    email = EmailField(lazy_gettext("E-mail du collègue"),
                       validators=[DataRequired(lazy_gettext("Indiquez une adresse e-mail.")),
                                   Email(lazy_gettext("Adresse e-mail invalide.")), MaxLength(254)])
    submit = SubmitField(lazy_gettext("Envoyer l'invitation"))


class StaffImportForm(FlaskForm):
    file = FileField(lazy_gettext("Fichier du personnel (CSV ou Excel .xlsx)"),
                     validators=[FileRequired(lazy_gettext("Choisissez le fichier de la liste du personnel."))],
                     description=lazy_gettext("Colonnes : matricule, nom, prénom, e-mail ; facultatif : enfants "
                                              "de moins de 16 ans, enfants de moins de 26 ans."))
    submit = SubmitField(lazy_gettext("Vérifier le fichier"))


class StaffConfirmForm(FlaskForm):
    token = HiddenField()
    archive_missing = BooleanField(lazy_gettext("Archiver les salariés absents du fichier (départs)"))
    submit = SubmitField(lazy_gettext("Importer"))


class EmployeeForm(FlaskForm):
    external_id = StringField(lazy_gettext("Matricule"),
                              validators=[DataRequired(lazy_gettext("Le matricule est obligatoire.")), MaxLength(40)])
    last_name = StringField(lazy_gettext("Nom"),
                            validators=[DataRequired(lazy_gettext("Le nom est obligatoire.")), MaxLength(80)])
    first_name = StringField(lazy_gettext("Prénom"),
                             validators=[DataRequired(lazy_gettext("Le prénom est obligatoire.")), MaxLength(80)])
    email = EmailField(lazy_gettext("E-mail"),
                       validators=[Optional(), Email(lazy_gettext("Adresse e-mail invalide.")), MaxLength(254)])
    children_under_16 = IntegerField(lazy_gettext("Enfants de moins de 16 ans"), default=0, validators=[
        Optional(), NumberRange(0, 20, lazy_gettext("Enfants de moins de 16 ans : un nombre entier de 0 à 20."))])
    children_under_26 = IntegerField(lazy_gettext("Enfants de moins de 26 ans"), default=0, validators=[
        Optional(), NumberRange(0, 20, lazy_gettext("Enfants de moins de 26 ans : un nombre entier de 0 à 20."))])
    submit = SubmitField(lazy_gettext("Enregistrer"))


class CampaignForm(FlaskForm):
    event = SelectField(lazy_gettext("Événement"),
                        choices=[SelectChoice(slug, label) for slug, label in CAMPAIGN_EVENTS.items()])
    label = StringField(lazy_gettext("Intitulé"),
                        validators=[DataRequired(lazy_gettext("Donnez un intitulé (par exemple « Noël 2026 »).")),
                                    MaxLength(120)])
    amount = EurosField(lazy_gettext("Montant par salarié (€)"),
                        validators=[DataRequired(lazy_gettext("Indiquez le montant par salarié."))])
    child_amount = EurosField(lazy_gettext("Montant par enfant (€, Noël et rentrée scolaire)"),
                              description=lazy_gettext(
                                  "Noël : enfants de moins de 16 ans ; rentrée : moins de 26 ans."))
    audience = RadioField(lazy_gettext("Salariés concernés"), default="all", choices=[
        SelectChoice("all", lazy_gettext("Tous les salariés")),
        SelectChoice("parents", lazy_gettext("Seulement les parents (enfants de l'âge concerné)")),
        SelectChoice("selection", lazy_gettext("Une sélection")),
    ])
    employees = MultiCheckboxField(lazy_gettext("Sélection"), coerce=int, choices=[], validate_choice=False)
    expires_on = DateField(lazy_gettext("Valable jusqu'au"), validators=[Optional()],
                           description=lazy_gettext(
                               "Par défaut : fin février de l'année suivante pour Noël, 12 mois sinon."))
    categories = MultiCheckboxField(lazy_gettext("Commerces où le montant peut être dépensé"), choices=[])
    expiry_policy = RadioField(lazy_gettext("À l'expiration, le crédit non dépensé revient"), default="employer",
                               choices=[SelectChoice("employer", lazy_gettext("à l'entreprise")),
                                        SelectChoice("territory", lazy_gettext("au fonds du territoire"))])
    submit = SubmitField(lazy_gettext("Vérifier la campagne"))

    def validate_amount(self, field):
        if field.cents is not None and field.cents <= 0:
            raise ValidationError(lazy_gettext("Le montant doit être positif."))

    def validate_child_amount(self, field):
        if field.cents and self.event.data not in CHILD_EVENTS:
            raise ValidationError(lazy_gettext("Le montant par enfant ne vaut que pour Noël et la rentrée scolaire."))

    def validate_employees(self, field):
        if self.audience.data == "selection" and not field.data:
            raise ValidationError(lazy_gettext("Cochez au moins un salarié."))

    def validate_categories(self, field):
        if not field.data:
            raise ValidationError(lazy_gettext("Choisissez au moins une catégorie de commerces."))


class ConfirmCampaignForm(FlaskForm):
    acknowledge = BooleanField(lazy_gettext("J'ai pris connaissance des dépassements du seuil d'exonération et "
                                            "je confirme la campagne (les montants au-delà seront soumis à "
                                            "cotisations)."))
    submit = SubmitField(lazy_gettext("Confirmer la campagne"))


class IssueDayForm(FlaskForm):
    issue_on = DateField(lazy_gettext("Émettre automatiquement le"), validators=[Optional()],
                         description=lazy_gettext("Laissez vide pour émettre vous-même, avec le bouton."))
    submit = SubmitField(lazy_gettext("Enregistrer la date d'émission"))

class BankTransferForm(FlaskForm):
    reference = StringField(lazy_gettext("Référence du virement reçu"), validators=[
        DataRequired(lazy_gettext("Référence du virement : indiquez celle lue sur le relevé.")), MaxLength(140)])
    amount = StringField(lazy_gettext("Montant reçu"), render_kw={"inputmode": "decimal"}, validators=[
        DataRequired(lazy_gettext("Montant reçu : indiquez le montant lu sur le relevé."))])

    def validate_amount(self, field) -> None:
        try:
            field.cents = parse_price(field.data)
        except AmountTooHigh:
            raise ValidationError(too_high(field.label.text)) from None
        except InvalidValue:
            raise ValidationError(lazy_gettext("Montant reçu : « %(text)s » n'est pas un montant (exemple : 1 250,00).",
                                               text=field.data)) from None
    submit = SubmitField(lazy_gettext("Virement reçu"))
