from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, ValidationError

from marketplace.territory import resolve_commune


class ProfileForm(FlaskForm):
    first_name = StringField("Prénom", validators=[Length(max=80)])
    last_name = StringField("Nom", validators=[Length(max=80)])
    home_commune = StringField(
        "Ma commune",
        description="Nom ou code postal d'une commune du territoire.",
        render_kw={"autocomplete": "off", "list": "commune-options"},
    )
    locale = SelectField("Langue", choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")])
    submit = SubmitField("Enregistrer")

    def validate_home_commune(self, field):
        if field.data and field.data.strip() and resolve_commune(field.data) is None:
            raise ValidationError("Commune inconnue sur le territoire : précisez le nom ou le code postal.")
