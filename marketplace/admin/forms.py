from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ApproveShopForm(FlaskForm):
    submit = SubmitField("Valider le commerce")


class RejectShopForm(FlaskForm):
    message = TextAreaField(
        "Motif du refus (envoyé au commerçant)",
        validators=[DataRequired("Expliquez au commerçant ce qu'il doit corriger."), Length(max=2000)],
    )
    submit = SubmitField("Refuser")


class ButtonForm(FlaskForm):
    """A POST button protected by CSRF."""

    submit = SubmitField("Confirmer")


class SettlementRunForm(FlaskForm):
    period = SelectField("Période", choices=[SelectChoice("monthly", "Mois"), SelectChoice("weekly", "Semaine")], default="monthly")
    day = DateField("Un jour de la période",
                    validators=[DataRequired("Indiquez une date (jj/mm/aaaa) dans la période à régler.")],
                    description="Par exemple le 1er du mois à régler ; la période est le mois (ou la semaine, "
                                "du lundi au dimanche) qui contient ce jour.")
    execution_date = DateField("Date d'exécution des virements", validators=[Optional()],
                               description="Vide : demain.")
    submit = SubmitField("Préparer le règlement")


class SuspendForm(FlaskForm):
    reason = TextAreaField(
        "Motif de la suspension",
        validators=[DataRequired("Indiquez le motif de la suspension."), Length(max=500)],
    )
    submit = SubmitField("Suspendre")
