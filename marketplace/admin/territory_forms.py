"""Forms of the territory's management pages: communes, categories, admins, the card desk."""
import re

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional, ValidationError

from marketplace.catalogue import InvalidValue, parse_price
from marketplace.forms import MaxLength, RadioField, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.forms import OnceForm


class CommuneImportForm(FlaskForm):
    epci = StringField(lazy_gettext("Codes EPCI (SIREN à 9 chiffres, séparés par des virgules)"),
                       validators=[Optional()],
                       description=lazy_gettext("Par exemple 200071017 pour la CC des Terres d'Auxois."))
    # No Optional() here: it would stop the chain before validate_departements when both are empty.
    departements = StringField(lazy_gettext("Départements (séparés par des virgules)"),
                               description=lazy_gettext("Par exemple 21 ou 2A."))
    submit = SubmitField(lazy_gettext("Importer les communes"))

    def validate_departements(self, field):
        if not (self.epci.data or "").strip() and not (field.data or "").strip():
            raise ValidationError(lazy_gettext("Indiquez au moins un code EPCI ou un département."))

    @staticmethod
    def codes(text: str | None) -> list[str]:
        return [code.strip() for code in (text or "").replace(";", ",").replace(" ", ",").split(",") if code.strip()]


class CategoryForm(OnceForm):
    name = StringField(lazy_gettext("Nom"), validators=[
        DataRequired(lazy_gettext("Nom : indiquez le nom de la catégorie.")), MaxLength(120)])
    parent = SelectField(lazy_gettext("Catégorie parente"), coerce=int, default=0)
    submit = SubmitField(lazy_gettext("Créer la catégorie"))


class RenameCategoryForm(FlaskForm):
    name = StringField(lazy_gettext("Nouveau nom"), validators=[
        DataRequired(lazy_gettext("Nom : indiquez le nom de la catégorie.")), MaxLength(120)])
    submit = SubmitField(lazy_gettext("Renommer"))


class MoveCategoryForm(FlaskForm):
    parent = SelectField(lazy_gettext("Ranger sous"), coerce=int)
    submit = SubmitField(lazy_gettext("Déplacer"))


class MergeCategoryForm(FlaskForm):
    target = SelectField(lazy_gettext("Fusionner dans"), coerce=int)
    confirm = BooleanField(lazy_gettext("Je confirme : cette catégorie sera supprimée, ses produits, commerces et "
                                        "sous-catégories passent dans la catégorie choisie"),
                           validators=[DataRequired(lazy_gettext("Cochez la case pour confirmer la fusion."))])
    submit = SubmitField(lazy_gettext("Fusionner"))


class AddAdminForm(FlaskForm):
    email = EmailField(lazy_gettext("Adresse e-mail"), validators=[
        DataRequired(lazy_gettext("Adresse e-mail : indiquez une adresse.")),
        Email(lazy_gettext("Adresse e-mail invalide.")),
        Length(max=254, message=lazy_gettext("Adresse e-mail : 254 caractères au plus."))])
    submit = SubmitField(lazy_gettext("Ajouter l'administrateur"))


class CardSettingsForm(FlaskForm):
    card_prefix = StringField(lazy_gettext("Préfixe des nouvelles cartes (4 chiffres)"), validators=[Optional()],
                              description=lazy_gettext("Commence par 9 (usage national) : jamais le début d'une "
                                                       "carte bancaire. Les cartes déjà émises gardent leur numéro."))
    commission_bps = StringField(lazy_gettext("Commission sur les règlements (points de base)"),
                                 validators=[Optional()],
                                 description=lazy_gettext("150 = 1,5 %. S'applique aux prochains règlements, "
                                                          "de 0 à 2000."))
    pin_required_above = StringField(lazy_gettext("Code PIN demandé au-delà de (€)"), validators=[Optional()],
                                     description=lazy_gettext("Pour une carte qui a un code PIN. Vide : toujours "
                                                              "demandé. Au plus 100 €."))
    pin_lock_minutes = StringField(lazy_gettext("Verrouillage du code PIN après 5 erreurs (minutes)"),
                                   validators=[Optional()],
                                   description=lazy_gettext("Le code PIN se déverrouille seul après ce délai ; le "
                                                            "titulaire et l'administration peuvent le déverrouiller "
                                                            "avant. Vide : 30 minutes."))
    settlement_cadence = SelectField(
        lazy_gettext("Rythme des règlements aux commerces"),
        # Short choices (a phone shows the chosen one on one line, cut at the box's edge); the description says more.
        choices=[SelectChoice("weekly", lazy_gettext("Chaque lundi")),
                 SelectChoice("daily", lazy_gettext("Chaque jour")),
                 SelectChoice("manual", lazy_gettext("À la main"))],
        # Optional: a form posted without it (a page served before this field) keeps the current pace.
        validate_choice=False, validators=[Optional(), AnyOf(("weekly", "daily", "manual"), message=lazy_gettext(
            "Rythme des règlements : chaque jour, chaque semaine ou manuel."))],
        description=lazy_gettext("Chaque lundi : pour la semaine écoulée ; chaque jour : pour la veille. Le règlement "
                                 "automatique se fait sans clic quand rien ne demande de décision ; sinon il attend "
                                 "en brouillon sur le tableau de bord. À la main : aucun règlement automatique."))
    submit = SubmitField(lazy_gettext("Enregistrer les réglages"))


class CardLookupForm(FlaskForm):
    query = StringField(lazy_gettext("Numéro de la carte, QR code, e-mail ou nom du titulaire"), validators=[
        DataRequired(lazy_gettext("Tapez les 16 chiffres de la carte, scannez son QR code, ou tapez l'e-mail "
                                  "ou le nom de son titulaire.")), MaxLength(500)],
        render_kw={"autocomplete": "off", "autofocus": True})
    submit = SubmitField(lazy_gettext("Trouver la carte"))


class CardCorrectionForm(FlaskForm):
    """A correction of one credit: added or taken, an amount, a reason, and a tick."""

    # Whether the credit is the card's is card_support.correct_grant's to say, in French.
    grant = RadioField(lazy_gettext("Crédit à corriger"), validate_choice=False,
                       coerce=lambda value: int(value) if str(value).isdigit() else 0,
                       validators=[DataRequired(lazy_gettext("Crédit : choisissez un crédit de cette carte."))])
    direction = RadioField(lazy_gettext("Sens"), choices=[SelectChoice("add", lazy_gettext("Rendre de l'argent au crédit")),
                                                          SelectChoice("take", lazy_gettext("Retirer de l'argent du crédit"))],
                           validate_choice=False,
                           validators=[DataRequired(lazy_gettext("Sens : rendre ou retirer ?")),
                                       AnyOf(("add", "take"), message=lazy_gettext("Sens : rendre ou retirer ?"))])
    amount = StringField(lazy_gettext("Montant (€)"),
                         validators=[DataRequired(lazy_gettext("Montant : tapez par exemple 12,50."))],
                         render_kw={"inputmode": "decimal", "autocomplete": "off"})
    reason = TextAreaField(lazy_gettext("Motif (lu par votre comptable et par le titulaire)"), validators=[
        DataRequired(lazy_gettext("Motif : dites pourquoi vous corrigez ce crédit.")), MaxLength(300)])
    confirm = BooleanField(lazy_gettext("Je confirme : l'écriture est définitive ; seule une autre correction la "
                                        "compense"),
                           validators=[DataRequired(lazy_gettext("Cochez la case pour confirmer."))])
    token = HiddenField()
    submit = SubmitField(lazy_gettext("Enregistrer la correction"))

    amount_cents: int | None = None

    def validate_amount(self, field):
        try:
            cents = parse_price(field.data, allow_zero=True)
        except InvalidValue:
            raise ValidationError(lazy_gettext("Montant : tapez par exemple 12,50.")) from None
        if cents == 0:
            raise ValidationError(lazy_gettext("Montant : un montant plus grand que zéro."))
        self.amount_cents = cents

    def validate_token(self, field):
        if not re.fullmatch(r"[0-9a-f]{32}", field.data or ""):
            raise ValidationError(lazy_gettext("Formulaire expiré : réessayez."))

    @property
    def signed_cents(self) -> int:
        return self.amount_cents if self.direction.data == "add" else -self.amount_cents


class ReportProductForm(FlaskForm):
    reason = RadioField(lazy_gettext("Motif"), choices=[],
                        validators=[DataRequired(lazy_gettext("Motif : cochez l’une des raisons."))])
    comment = TextAreaField(lazy_gettext("Commentaire (facultatif)"), validators=[Optional(), MaxLength(500)])
    submit = SubmitField(lazy_gettext("Envoyer le signalement"))

    def __init__(self, *args, **kwargs):
        from marketplace.models.territory_admin import REPORT_REASONS

        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice(key, label) for key, label in REPORT_REASONS.items()]
