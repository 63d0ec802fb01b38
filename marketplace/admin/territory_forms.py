"""Forms of the territory's management pages: communes, categories, admins."""
from flask_wtf import FlaskForm
from wtforms import (BooleanField, EmailField, RadioField, SelectChoice, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Length, Optional, ValidationError


class CommuneImportForm(FlaskForm):
    epci = StringField("Codes EPCI (SIREN à 9 chiffres, séparés par des virgules)", validators=[Optional()],
                       description="Par exemple 200071017 pour la CC des Terres d'Auxois.")
    departements = StringField("Départements (séparés par des virgules)", validators=[Optional()],
                               description="Par exemple 21 ou 2A.")
    submit = SubmitField("Importer les communes")

    def validate_departements(self, field):
        if not (self.epci.data or "").strip() and not (field.data or "").strip():
            raise ValidationError("Indiquez au moins un code EPCI ou un département.")

    @staticmethod
    def codes(text: str | None) -> list[str]:
        return [code.strip() for code in (text or "").replace(";", ",").replace(" ", ",").split(",") if code.strip()]


class ConfirmForm(FlaskForm):
    """A destructive action: the admin ticks the box to confirm."""

    confirm = BooleanField("Je confirme", validators=[DataRequired("Cochez la case pour confirmer.")])
    submit = SubmitField("Confirmer")


class CategoryForm(FlaskForm):
    name = StringField("Nom", validators=[DataRequired("Nom : indiquez le nom de la catégorie."), Length(max=120)])
    parent = SelectField("Catégorie parente", coerce=int, default=0)
    submit = SubmitField("Créer la catégorie")


class RenameCategoryForm(FlaskForm):
    name = StringField("Nouveau nom", validators=[DataRequired("Nom : indiquez le nom de la catégorie."),
                                                  Length(max=120)])
    submit = SubmitField("Renommer")


class MoveCategoryForm(FlaskForm):
    parent = SelectField("Ranger sous", coerce=int)
    submit = SubmitField("Déplacer")


class MergeCategoryForm(FlaskForm):
    target = SelectField("Fusionner dans", coerce=int)
    confirm = BooleanField("Je confirme : cette catégorie sera supprimée, ses produits, commerces et "
                           "sous-catégories passent dans la catégorie choisie",
                           validators=[DataRequired("Cochez la case pour confirmer la fusion.")])
    submit = SubmitField("Fusionner")


class AddAdminForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Adresse e-mail : indiquez une adresse."),
                                                     Length(max=254)])
    submit = SubmitField("Ajouter l'administrateur")


class CardSettingsForm(FlaskForm):
    card_prefix = StringField("Préfixe des nouvelles cartes (4 chiffres)", validators=[Optional()],
                              description="Commence par 9 (usage national) : jamais le début d'une carte bancaire. "
                                          "Les cartes déjà émises gardent leur numéro.")
    commission_bps = StringField("Commission sur les règlements (points de base)", validators=[Optional()],
                                 description="150 = 1,5 %. S'applique aux prochains règlements, de 0 à 2000.")
    pin_required_above = StringField("Code PIN demandé au-delà de (€)", validators=[Optional()],
                                     description="Pour une carte qui a un code PIN. Vide : toujours demandé. "
                                                 "Au plus 100 €.")
    submit = SubmitField("Enregistrer les réglages")


class ReportProductForm(FlaskForm):
    reason = RadioField("Motif", choices=[], validators=[DataRequired("Motif : choisissez une raison dans la liste.")])
    comment = TextAreaField("Commentaire (facultatif)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Envoyer le signalement")

    def __init__(self, *args, **kwargs):
        from marketplace.models.territory_admin import REPORT_REASONS

        super().__init__(*args, **kwargs)
        self.reason.choices = [SelectChoice(key, label) for key, label in REPORT_REASONS.items()]
