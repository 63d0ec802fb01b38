from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

PASSWORD_MIN_LENGTH = 10


def new_password_fields(label: str) -> tuple[PasswordField, PasswordField]:
    """The password chosen twice, with the same rules at sign-up and at reset.

    Called inside the form's class body rather than inherited from a mixin class: WTForms orders
    fields by creation, so a mixin's fields would be shown before the form's own (name, e-mail).
    """
    password = PasswordField(label, validators=[
        DataRequired("Choisissez un mot de passe."),
        Length(min=PASSWORD_MIN_LENGTH, message=f"Au moins {PASSWORD_MIN_LENGTH} caractères."),
    ])
    confirm = PasswordField("Confirmez le mot de passe",
                            validators=[EqualTo("password", "Les deux mots de passe ne correspondent pas.")])
    return password, confirm


class SignupForm(FlaskForm):
    first_name = StringField("Prénom", validators=[Length(max=80)])
    last_name = StringField("Nom", validators=[Length(max=80)])
    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired("Indiquez votre adresse e-mail."), Email("Adresse e-mail invalide."), Length(max=254)],
    )
    password, password_confirm = new_password_fields("Mot de passe")
    submit = SubmitField("Créer mon compte")


class LoginForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez votre adresse e-mail.")])
    password = PasswordField("Mot de passe", validators=[DataRequired("Indiquez votre mot de passe.")])
    remember = BooleanField("Rester connecté")
    submit = SubmitField("Se connecter")


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Adresse e-mail",
        validators=[DataRequired("Indiquez votre adresse e-mail."), Email("Adresse e-mail invalide.")],
    )
    submit = SubmitField("Recevoir un lien")


class ResetPasswordForm(FlaskForm):
    password, password_confirm = new_password_fields("Nouveau mot de passe")
    submit = SubmitField("Changer le mot de passe")


class LogoutForm(FlaskForm):
    submit = SubmitField("Se déconnecter")
