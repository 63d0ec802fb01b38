from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired


class CommuneChoiceForm(FlaskForm):
    commune = StringField(
        "Ma commune",
        validators=[DataRequired("Tapez le nom de votre commune ou son code postal.")],
        render_kw={"placeholder": "Nom ou code postal", "autocomplete": "off", "list": "commune-options"},
    )
    submit = SubmitField("Choisir")
