from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class ApproveShopForm(FlaskForm):
    submit = SubmitField("Valider le commerce")


class RejectShopForm(FlaskForm):
    message = TextAreaField(
        "Motif du refus (envoyé au commerçant)",
        validators=[DataRequired("Expliquez au commerçant ce qu'il doit corriger."), Length(max=2000)],
    )
    submit = SubmitField("Refuser")
