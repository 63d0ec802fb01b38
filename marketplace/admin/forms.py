from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectChoice, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Optional

from marketplace.forms import DateField, MaxLength, SelectField
from marketplace.i18n import lazy_gettext


class ApproveShopForm(FlaskForm):
    submit = SubmitField(lazy_gettext("Valider le commerce"))


class RejectShopForm(FlaskForm):
    message = TextAreaField(
        lazy_gettext("Motif du refus (envoyé au commerçant)"),
        validators=[DataRequired(lazy_gettext("Expliquez au commerçant ce qu'il doit corriger.")), MaxLength(2000)],
    )
    submit = SubmitField(lazy_gettext("Refuser"))

class SettlementRunForm(FlaskForm):
    period = SelectField(lazy_gettext("Période"),
                         choices=[SelectChoice("monthly", lazy_gettext("Mois")),
                                  SelectChoice("weekly", lazy_gettext("Semaine"))], default="monthly")
    day = DateField(lazy_gettext("Un jour de la période"),
                    validators=[DataRequired(lazy_gettext("Indiquez une date (jj/mm/aaaa) dans la période à régler."))],
                    description=lazy_gettext("Par exemple le 1er du mois à régler ; la période est le mois "
                                             "(ou la semaine, du lundi au dimanche) qui contient ce jour."))
    execution_date = DateField(lazy_gettext("Date d'exécution des virements"), validators=[Optional()],
                               description=lazy_gettext("Vide : demain."))
    settle_unfinished = BooleanField(lazy_gettext("Régler quand même une période pas encore terminée"))
    submit = SubmitField(lazy_gettext("Préparer le règlement"))


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        lazy_gettext("Motif de la suspension"),
        validators=[DataRequired(lazy_gettext("Indiquez le motif de la suspension.")), MaxLength(500)],
    )
    submit = SubmitField(lazy_gettext("Suspendre"))
