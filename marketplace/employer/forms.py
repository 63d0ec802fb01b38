from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import siret
from wtforms import (BooleanField, DateField, EmailField, HiddenField, IntegerField, RadioField, SelectChoice,
                     SelectField, SelectMultipleField, StringField, SubmitField)
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from marketplace.catalogue import InvalidValue, parse_price
from marketplace.models.campaigns import CAMPAIGN_EVENTS, CHILD_EVENTS
from marketplace.territory import resolve_commune


class EurosField(StringField):
    """An amount in euros typed the French way; `.cents` holds the parsed integer cents."""

    cents: int | None = None

    def pre_validate(self, form):
        self.cents = None
        if self.data and self.data.strip():
            try:
                self.cents = parse_price(self.data, allow_zero=True)
            except InvalidValue:
                raise ValidationError("Montant invalide : écrivez par exemple 150 ou 150,50.") from None


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class EmployerRegistrationForm(FlaskForm):
    name = StringField("Raison sociale", validators=[DataRequired("Indiquez le nom de l'entreprise."),
                                                     Length(max=140)])
    siret = StringField("SIRET", validators=[DataRequired("Indiquez le numéro SIRET (14 chiffres).")],
                        description="14 chiffres, sur un extrait Kbis ou un bulletin de paie.")
    address = StringField("Adresse", validators=[DataRequired("Indiquez l'adresse."), Length(max=200)])
    commune = StringField("Commune", validators=[DataRequired("Indiquez la commune.")],
                          render_kw={"autocomplete": "off", "list": "commune-options"},
                          description="Une commune du territoire (nom ou code postal).")
    billing_email = EmailField("E-mail de facturation",
                               validators=[DataRequired("Indiquez l'adresse de facturation."),
                                           Email("Adresse e-mail invalide."), Length(max=254)])
    submit = SubmitField("Demander l'ouverture du compte")

    def validate_siret(self, field):
        try:
            field.data = siret.validate(field.data or "")
        except StdnumError:
            raise ValidationError("Numéro SIRET invalide : vérifiez les 14 chiffres.") from None

    def validate_commune(self, field):
        if resolve_commune(field.data or "") is None:
            raise ValidationError("Commune inconnue sur le territoire : précisez le nom ou le code postal.")


class InviteForm(FlaskForm):
    email = EmailField("E-mail du collègue", validators=[DataRequired("Indiquez une adresse e-mail."),
                                                         Email("Adresse e-mail invalide."), Length(max=254)])
    submit = SubmitField("Envoyer l'invitation")


class StaffImportForm(FlaskForm):
    file = FileField("Fichier du personnel (CSV ou Excel .xlsx)",
                     description="Colonnes : matricule, nom, prénom, e-mail ; facultatif : enfants de moins "
                                 "de 16 ans, enfants de moins de 26 ans.")
    submit = SubmitField("Vérifier le fichier")


class StaffConfirmForm(FlaskForm):
    token = HiddenField()
    archive_missing = BooleanField("Archiver les salariés absents du fichier (départs)")
    submit = SubmitField("Importer")


class EmployeeForm(FlaskForm):
    external_id = StringField("Matricule", validators=[DataRequired("Le matricule est obligatoire."),
                                                       Length(max=40)])
    last_name = StringField("Nom", validators=[DataRequired("Le nom est obligatoire."), Length(max=80)])
    first_name = StringField("Prénom", validators=[DataRequired("Le prénom est obligatoire."), Length(max=80)])
    email = EmailField("E-mail", validators=[Optional(), Email("Adresse e-mail invalide."), Length(max=254)])
    children_under_16 = IntegerField("Enfants de moins de 16 ans", default=0,
                                     validators=[Optional(), NumberRange(0, 20, "Entre 0 et 20.")])
    children_under_26 = IntegerField("Enfants de moins de 26 ans", default=0,
                                     validators=[Optional(), NumberRange(0, 20, "Entre 0 et 20.")])
    submit = SubmitField("Enregistrer")


class CampaignForm(FlaskForm):
    event = SelectField("Événement", choices=[SelectChoice(slug, label) for slug, label in CAMPAIGN_EVENTS.items()])
    label = StringField("Intitulé", validators=[DataRequired("Donnez un intitulé (par exemple « Noël 2026 »)."),
                                                Length(max=120)])
    amount = EurosField("Montant par salarié (€)", validators=[DataRequired("Indiquez le montant par salarié.")])
    child_amount = EurosField("Montant par enfant (€, Noël et rentrée scolaire)",
                              description="Noël : enfants de moins de 16 ans ; rentrée : moins de 26 ans.")
    audience = RadioField("Salariés concernés", default="all", choices=[
        SelectChoice("all", "Tous les salariés"),
        SelectChoice("parents", "Seulement les parents (enfants de l'âge concerné)"),
        SelectChoice("selection", "Une sélection"),
    ])
    employees = MultiCheckboxField("Sélection", coerce=int, choices=[], validate_choice=False)
    expires_on = DateField("Valable jusqu'au", validators=[Optional()],
                           description="Par défaut : fin février de l'année suivante pour Noël, 12 mois sinon.")
    categories = MultiCheckboxField("Commerces où le montant peut être dépensé", choices=[])
    expiry_policy = RadioField("À l'expiration, le crédit non dépensé revient", default="employer", choices=[
        SelectChoice("employer", "à l'entreprise"), SelectChoice("territory", "au fonds du territoire")])
    submit = SubmitField("Vérifier la campagne")

    def validate_amount(self, field):
        if field.cents is not None and field.cents <= 0:
            raise ValidationError("Le montant doit être positif.")

    def validate_child_amount(self, field):
        if field.cents and self.event.data not in CHILD_EVENTS:
            raise ValidationError("Le montant par enfant ne vaut que pour Noël et la rentrée scolaire.")

    def validate_employees(self, field):
        if self.audience.data == "selection" and not field.data:
            raise ValidationError("Cochez au moins un salarié.")

    def validate_categories(self, field):
        if not field.data:
            raise ValidationError("Choisissez au moins une catégorie de commerces.")


class ConfirmCampaignForm(FlaskForm):
    acknowledge = BooleanField("J'ai pris connaissance des dépassements du seuil d'exonération et je confirme "
                               "la campagne (les montants au-delà seront soumis à cotisations).")
    submit = SubmitField("Confirmer la campagne")


class ButtonForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField("Confirmer")


class BankTransferForm(FlaskForm):
    reference = StringField("Référence du virement reçu", validators=[
        DataRequired("Indiquez la référence du virement reçu."), Length(max=140)])
    submit = SubmitField("Virement reçu")
