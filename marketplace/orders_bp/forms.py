from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)


class QuantityForm(FlaskForm):
    quantity = IntegerField("Quantité", default=1,
                            validators=[InputRequired("Indiquez une quantité."),
                                        NumberRange(0, 99, "La quantité va de 0 à 99.")])
    submit = SubmitField("Ajouter au panier")


class ButtonForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField("Confirmer")


class RefuseForm(FlaskForm):
    reason = TextAreaField("Raison du refus", validators=[DataRequired("Indiquez la raison du refus."),
                                                         Length(max=1000)])
    submit = SubmitField("Refuser et rembourser")


class ReadyForm(FlaskForm):
    compartment = SelectField("Casier", coerce=int, validators=[Optional()], validate_choice=False)
    submit = SubmitField("Prête")


class LockerBankForm(FlaskForm):
    name = StringField("Nom", validators=[DataRequired("Indiquez le nom."), Length(max=140)])
    slug = StringField("Identifiant (URL de l'API)", validators=[DataRequired("Indiquez l'identifiant."),
                                                                 Length(max=80)])
    address = StringField("Adresse", validators=[DataRequired("Indiquez l'adresse."), Length(max=200)])
    station = StringField("Gare ou arrêt", validators=[Length(max=140)])
    commune_insee = StringField("Code INSEE de la commune", validators=[Optional(), Length(min=5, max=5)])
    sizes = StringField("Casiers (tailles S, M, L séparées par des espaces)", default="S S M M M M L L",
                        validators=[DataRequired("Indiquez au moins un casier.")])
    submit = SubmitField("Créer la consigne")


class CheckoutToken(FlaskForm):
    checkout_key = HiddenField()
