from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, Length


class ApiKeyForm(FlaskForm):
    name = StringField(
        "Nom de la clé",
        validators=[DataRequired("Donnez un nom à la clé (par exemple « Caisse comptoir »)."), Length(max=80)],
        description="Pour la reconnaître plus tard : le logiciel ou le poste de caisse qui l'utilise.",
    )
    submit = SubmitField("Créer la clé")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField("Confirmer")
