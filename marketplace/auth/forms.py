from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from marketplace.forms import MaxLength
from marketplace.i18n import lazy_gettext

PASSWORD_MIN_LENGTH = 10


def new_password_fields(label) -> tuple[PasswordField, PasswordField]:
    """The password chosen twice, with the same rules at sign-up and at reset.

    Called inside the form's class body rather than inherited from a mixin class: WTForms orders
    fields by creation, so a mixin's fields would be shown before the form's own (name, e-mail).
    """
    rule = lazy_gettext("Au moins %(n)s caractères.", n=PASSWORD_MIN_LENGTH)
    password = PasswordField(label, description=rule, render_kw={"autocomplete": "new-password"}, validators=[
        DataRequired(lazy_gettext("Choisissez un mot de passe.")),
        Length(min=PASSWORD_MIN_LENGTH, message=rule),
    ])
    mismatch = lazy_gettext("Les deux mots de passe ne correspondent pas.")
    confirm = PasswordField(lazy_gettext("Confirmez le mot de passe"), render_kw={"autocomplete": "new-password"},
                            validators=[EqualTo("password", mismatch)])
    return password, confirm


class SignupForm(FlaskForm):
    first_name = StringField(lazy_gettext("Prénom"), validators=[MaxLength(80)])
    last_name = StringField(lazy_gettext("Nom"), validators=[MaxLength(80)])
    email = EmailField(
        lazy_gettext("Adresse e-mail"),
        validators=[DataRequired(lazy_gettext("Indiquez votre adresse e-mail.")),
                    Email(lazy_gettext("Adresse e-mail invalide.")), MaxLength(254)],
    )
    password, password_confirm = new_password_fields(lazy_gettext("Mot de passe"))
    submit = SubmitField(lazy_gettext("Créer mon compte"))


class LoginForm(FlaskForm):
    email = EmailField(lazy_gettext("Adresse e-mail"),
                       validators=[DataRequired(lazy_gettext("Indiquez votre adresse e-mail."))])
    password = PasswordField(lazy_gettext("Mot de passe"),
                             validators=[DataRequired(lazy_gettext("Indiquez votre mot de passe."))])
    remember = BooleanField(lazy_gettext("Rester connecté"))
    submit = SubmitField(lazy_gettext("Se connecter"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Adresse e-mail"),
        validators=[DataRequired(lazy_gettext("Indiquez votre adresse e-mail.")),
                    Email(lazy_gettext("Adresse e-mail invalide."))],
    )
    submit = SubmitField(lazy_gettext("Recevoir un lien"))


class ResetPasswordForm(FlaskForm):
    password, password_confirm = new_password_fields(lazy_gettext("Nouveau mot de passe"))
    submit = SubmitField(lazy_gettext("Changer le mot de passe"))


def current_password_field() -> PasswordField:
    """The password the logged-in user types again before changing a credential."""
    return PasswordField(lazy_gettext("Mot de passe actuel"), render_kw={"autocomplete": "current-password"},
                         validators=[DataRequired(lazy_gettext("Indiquez votre mot de passe actuel."))])


class ChangePasswordForm(FlaskForm):
    """On the profile page, next to other forms: prefixed so that its fields' ids are its own."""

    current_password = current_password_field()
    password, password_confirm = new_password_fields(lazy_gettext("Nouveau mot de passe"))
    submit = SubmitField(lazy_gettext("Changer le mot de passe"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="password", **kwargs)


class ChangeEmailForm(FlaskForm):
    email = EmailField(
        lazy_gettext("Nouvelle adresse e-mail"),
        validators=[DataRequired(lazy_gettext("Indiquez votre adresse e-mail.")),
                    Email(lazy_gettext("Adresse e-mail invalide.")), MaxLength(254)],
    )
    current_password = current_password_field()
    submit = SubmitField(lazy_gettext("Changer d'adresse e-mail"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="email", **kwargs)


class ConfirmEmailForm(FlaskForm):
    submit = SubmitField(lazy_gettext("Confirmer cette adresse"))


class ResendConfirmationForm(FlaskForm):
    submit = SubmitField(lazy_gettext("Renvoyer le lien"))


class LogoutForm(FlaskForm):
    submit = SubmitField(lazy_gettext("Se déconnecter"))
