"""Forms of the merchants' associations' pages: each refusal names its field."""
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email

from marketplace.employer.forms import MultiCheckboxField
from marketplace.forms import MaxLength, SelectField
from marketplace.i18n import lazy_gettext


class AssociationForm(FlaskForm):
    name = StringField(lazy_gettext("Nom de l'union commerciale"), validators=[
        DataRequired(lazy_gettext("Nom : obligatoire.")), MaxLength(120)])
    communes = MultiCheckboxField(lazy_gettext("Communes de l'union"), choices=[], validators=[
        DataRequired(lazy_gettext("Communes : cochez au moins une commune."))])
    description = TextAreaField(lazy_gettext("Présentation (page publique)"), validators=[MaxLength(2000)])
    manager_email = EmailField(lazy_gettext("E-mail du premier gestionnaire"), validators=[
        DataRequired(lazy_gettext("E-mail du gestionnaire : obligatoire.")),
        Email(lazy_gettext("E-mail du gestionnaire : une adresse valide, par exemple nom@exemple.fr.")),
        MaxLength(254)], description=lazy_gettext("Sans compte Halle, la personne reçoit une invitation par e-mail."))
    submit = SubmitField(lazy_gettext("Créer l'union commerciale"))


class ManagerForm(FlaskForm):
    email = EmailField(lazy_gettext("E-mail du gestionnaire"), validators=[
        DataRequired(lazy_gettext("E-mail du gestionnaire : obligatoire.")),
        Email(lazy_gettext("E-mail du gestionnaire : une adresse valide, par exemple nom@exemple.fr.")),
        MaxLength(254)], description=lazy_gettext("Sans compte Halle, la personne reçoit une invitation par e-mail."))
    submit = SubmitField(lazy_gettext("Ajouter le gestionnaire"))


class DescriptionForm(FlaskForm):
    name = StringField(lazy_gettext("Nom de l'union commerciale"), validators=[
        DataRequired(lazy_gettext("Nom : obligatoire.")), MaxLength(120)])
    description = TextAreaField(lazy_gettext("Présentation (page publique)"), validators=[MaxLength(2000)])
    submit = SubmitField(lazy_gettext("Enregistrer"))


class InviteShopForm(FlaskForm):
    shop = SelectField(lazy_gettext("Commerce à inviter"), coerce=int, choices=[], validate_choice=False,
                       validators=[DataRequired(lazy_gettext("Commerce : choisissez un commerce."))])
    submit = SubmitField(lazy_gettext("Inviter le commerce"))


class AdminConfirmsForm(FlaskForm):
    need_admin = BooleanField(lazy_gettext("L'administration du territoire confirme chaque nouveau membre"))
    submit = SubmitField(lazy_gettext("Enregistrer le réglage"))
