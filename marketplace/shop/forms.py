"""Forms of the shop back office. Values people type (prices, stocks, hours, SIRET, IBAN, EAN) are
read by the service functions, so that forms and spreadsheet import agree."""
import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import (BooleanField, DateField, EmailField, SelectChoice, SelectField, StringField, SubmitField,
                     TextAreaField)
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from marketplace.catalogue import InvalidValue, normalize_ean, parse_price, parse_stock
from marketplace.extensions import db
from marketplace.models import Category, Commune
from marketplace.shops import DAYS, INVITABLE_ROLES, normalize_iban, normalize_siret, parse_day_hours

UNIT_SUGGESTIONS = ("la pièce", "le kg", "les 100 g", "le litre", "la bouteille", "le pot", "la boîte",
                    "le lot", "la douzaine", "le mètre")


def category_choices() -> list[SelectChoice]:
    """Every taxonomy node, children labelled under their parent ("Alimentation › Épicerie")."""
    choices = []

    def walk(nodes, prefix=""):
        for node in nodes:
            label = f"{prefix}{node.name}"
            choices.append(SelectChoice(node.id, label))
            walk(node.children, f"{label} › ")

    walk(db.session.scalars(db.select(Category).where(Category.parent_id.is_(None))
                            .order_by(Category.position, Category.name)).all())
    return choices


def commune_choices() -> list[SelectChoice]:
    return [SelectChoice(c.insee, c.label) for c in db.session.scalars(db.select(Commune).order_by(Commune.name))]


def _max(length: int) -> Length:
    return Length(max=length, message=f"{length} caractères au plus.")


def _checked_by(parse):
    """A WTForms validator that runs a service parser and reports its French message."""

    def validator(form, field):
        try:
            parse(field.data)
        except InvalidValue as error:
            raise ValidationError(str(error)) from None

    return validator


def _phone(form, field):
    digits = re.sub(r"[\s.\-()]", "", field.data or "")
    if digits and not re.fullmatch(r"(0\d{9}|\+33\d{9})", digits):
        raise ValidationError("Numéro de téléphone invalide (10 chiffres, par exemple 03 80 12 34 56).")


def _website(value: str | None) -> str:
    value = (value or "").strip()
    if value and not value.startswith(("http://", "https://")):
        value = "https://" + value
    return value


def _url(form, field):
    if field.data and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*\.[^\s]{2,}", field.data):
        raise ValidationError("Adresse web invalide (exemple : www.ma-boutique.fr ou la page Facebook).")


class ShopForm(FlaskForm):
    """Creating a shop and, for its owner, changing its settings."""

    name = StringField("Nom du commerce", validators=[DataRequired("Indiquez le nom du commerce."), _max(140)])
    category = SelectField("Activité", coerce=int, validate_choice=True)
    commune = SelectField("Commune")
    address = StringField("Adresse", validators=[DataRequired("Indiquez l'adresse du commerce."), _max(200)],
                          render_kw={"autocomplete": "street-address", "placeholder": "12 rue de la Liberté"})
    description = TextAreaField("Présentation", validators=[_max(5000)],
                                description="Quelques lignes pour les habitants : ce que vous vendez, "
                                            "ce qui vous rend unique.")
    phone = StringField("Téléphone", validators=[Optional(), _phone], render_kw={"type": "tel", "autocomplete": "tel"})
    email = EmailField("E-mail du commerce", validators=[Optional(), Email("Adresse e-mail invalide."), _max(254)])
    website = StringField("Site web ou page Facebook", filters=[_website], validators=[Optional(), _url, _max(300)])
    photo = FileField("Logo ou photo de la vitrine",
                      description="JPEG, PNG ou WebP, 5 Mo au plus.",
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    accepts_card = BooleanField("J'accepte la carte du territoire", default=True)
    siret = StringField("SIRET", validators=[DataRequired("Indiquez le SIRET du commerce (14 chiffres)."),
                                             _checked_by(normalize_siret)],
                        render_kw={"inputmode": "numeric", "placeholder": "732 829 320 00074"})
    iban = StringField("IBAN (pour recevoir les paiements de la carte)", validators=[Optional(), _checked_by(normalize_iban)],
                       description="Facultatif pour commencer ; nécessaire pour être payé des achats par carte.",
                       render_kw={"autocomplete": "off", "placeholder": "FR76 3000 6000 0112 3456 7890 189"})
    submit = SubmitField("Enregistrer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()
        self.commune.choices = [SelectChoice("", "— Choisissez la commune —")] + commune_choices()

    def validate_commune(self, field):
        if not field.data:
            raise ValidationError("Choisissez la commune du commerce.")

    def opening_hours(self) -> dict:
        hours = {}
        for day, _ in DAYS:
            slots = parse_day_hours(getattr(self, f"hours_{day}").data)
            if slots:
                hours[day] = slots
        return hours


def _day_validator(label):
    def validator(form, field):
        try:
            parse_day_hours(field.data, label)
        except InvalidValue as error:
            raise ValidationError(str(error)) from None

    return validator


for _day, _label in DAYS:
    setattr(ShopForm, f"hours_{_day}", StringField(
        _label, validators=[_max(100), _day_validator(_label)],
        render_kw={"placeholder": "9h-12h30, 14h-19h"}))


class ProductForm(FlaskForm):
    name = StringField("Nom du produit", validators=[DataRequired("Indiquez le nom du produit."), _max(200)])
    price = StringField("Prix TTC (€)", validators=[_checked_by(parse_price)],
                        render_kw={"inputmode": "decimal", "placeholder": "12,50"})
    unit = StringField("Unité", validators=[_max(30)], render_kw={"list": "unit-options",
                                                                         "placeholder": "la pièce, le kg…"},
                       description="Facultatif : le prix s'entend par…")
    category = SelectField("Catégorie", coerce=int)
    stock = StringField("Stock", validators=[_max(20), _checked_by(parse_stock)],
                        render_kw={"inputmode": "numeric"},
                        description="Quantité disponible ; laissez vide pour un produit « sur commande ».")
    description = TextAreaField("Description", validators=[_max(5000)])
    sku = StringField("Référence", validators=[_max(60)],
                      description="Votre code article : il permet de mettre à jour le produit par import.")
    ean = StringField("Code-barres EAN", validators=[_max(20), _checked_by(normalize_ean)],
                      render_kw={"inputmode": "numeric"})
    photos = MultipleFileField("Photos", description="JPEG, PNG ou WebP, 5 Mo au plus chacune.",
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    active = BooleanField("En ligne (visible des habitants)", default=True)
    submit = SubmitField("Enregistrer le produit")

    def __init__(self, *args, shop_id: int, product_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.shop_id, self.product_id = shop_id, product_id
        self.category.choices = category_choices()

    def validate_sku(self, field):
        from marketplace.models import Product

        sku = (field.data or "").strip()
        if not sku:
            return
        clash = db.session.scalar(db.select(Product.id).where(Product.shop_id == self.shop_id, Product.sku == sku,
                                                              Product.id != (self.product_id or 0)))
        if clash:
            raise ValidationError(f"La référence « {sku} » est déjà celle d'un autre de vos produits.")

    def product_fields(self) -> dict:
        """The validated values, ready for the Product columns."""
        return {
            "name": self.name.data.strip(),
            "price_cents": parse_price(self.price.data),
            "unit": (self.unit.data or "").strip(),
            "category_id": self.category.data,
            "stock": parse_stock(self.stock.data),
            "description": (self.description.data or "").strip(),
            "sku": (self.sku.data or "").strip() or None,
            "ean": normalize_ean(self.ean.data),
            "active": self.active.data,
        }


BULK_CHOICES = [SelectChoice("", "— Action sur la sélection —"), SelectChoice("activate", "Mettre en ligne"),
                SelectChoice("deactivate", "Retirer de la vente"), SelectChoice("category", "Changer de catégorie"),
                SelectChoice("stock", "Changer le stock")]


class BulkActionForm(FlaskForm):
    action = SelectField("Action", choices=BULK_CHOICES)
    category = SelectField("Nouvelle catégorie", coerce=int, validate_choice=False)
    stock = StringField("Nouveau stock", validators=[_checked_by(parse_stock)],
                        render_kw={"placeholder": "vide = sur commande", "inputmode": "numeric"})
    submit = SubmitField("Appliquer")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()

    def validate_action(self, field):
        if not field.data:
            raise ValidationError("Choisissez une action.")

    def validate_category(self, field):
        if self.action.data == "category" and field.data not in {c.value for c in self.category.choices}:
            raise ValidationError("Choisissez la nouvelle catégorie.")


class InvitationForm(FlaskForm):
    email = EmailField("Adresse e-mail", validators=[DataRequired("Indiquez l'adresse e-mail de la personne."),
                                                     Email("Adresse e-mail invalide."), _max(254)])
    role = SelectField("Rôle", choices=[SelectChoice(key, label) for key, label in INVITABLE_ROLES.items()])
    submit = SubmitField("Envoyer l'invitation")


class ClosureForm(FlaskForm):
    starts_on = DateField("Du", validators=[DataRequired("Indiquez le premier jour de fermeture.")])
    ends_on = DateField("Au (inclus)", validators=[DataRequired("Indiquez le dernier jour de fermeture.")])
    reason = StringField("Motif (affiché aux habitants)", validators=[_max(200)],
                         render_kw={"placeholder": "Congés d'été"})
    submit = SubmitField("Ajouter la fermeture")

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError("Le dernier jour doit être après le premier.")


class ImportUploadForm(FlaskForm):
    file = FileField("Fichier CSV ou Excel (.xlsx)",
                     validators=[FileRequired("Choisissez le fichier de votre catalogue.")],
                     render_kw={"accept": ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-"
                                          "officedocument.spreadsheetml.sheet"},
                     description="L'export de votre tableur ou de votre logiciel de caisse suffit : "
                                 "une ligne par produit, avec au moins le nom et le prix.")
    submit = SubmitField("Lire le fichier")


class ConfirmForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField("Confirmer")
