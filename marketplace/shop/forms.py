"""Forms of the shop back office. Values people type (prices, stocks, hours, SIRET, IBAN, EAN) are
read by the service functions, so that forms and spreadsheet import agree."""
import re

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, MultipleFileField
from wtforms import BooleanField, EmailField, HiddenField, SelectChoice, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, NumberRange, Optional, ValidationError

from marketplace.catalogue import InvalidValue, normalize_ean, parse_price, parse_stock
from marketplace.extensions import db
from marketplace.forms import DateField, IntegerField, MaxLength, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.models import Category, Commune
from marketplace.shops import (DAYS, INVITABLE_ROLES, normalize_iban, normalize_siret, parse_day_hours,
                               siret_in_use)
from marketplace.territory import parse_commune_list
from marketplace.forms import OnceForm

UNIT_SUGGESTIONS = ("la pièce", "le kg", "les 100 g", "le litre", "la bouteille", "le pot", "la boîte",
                    "le lot", "la douzaine", "le mètre")


def category_choices() -> dict[str, list[SelectChoice]]:
    """Every taxonomy node, grouped under its top-level category (an <optgroup>, the top one first in
    it): a closed list box shows the chosen name alone (« Boulangerie, pâtisserie »), which fits a
    phone's width where « Alimentation › Boulangerie, pâtisserie » was cut. Deeper nodes keep their
    path below the top (« Fromagerie › Chèvre »)."""
    groups = {}

    def walk(nodes, choices, prefix):
        for node in nodes:
            choices.append(SelectChoice(node.id, f"{prefix}{node.name}"))
            walk(node.children, choices, f"{prefix}{node.name} › ")

    for root in db.session.scalars(db.select(Category).where(Category.parent_id.is_(None))
                                   .order_by(Category.position, Category.name)):
        groups[root.name] = [SelectChoice(root.id, root.name)]
        walk(root.children, groups[root.name], "")
    return groups


def category_ids(groups: dict[str, list[SelectChoice]]) -> set[int]:
    return {choice.value for choices in groups.values() for choice in choices}


def commune_choices() -> list[SelectChoice]:
    return [SelectChoice(c.insee, c.label) for c in db.session.scalars(db.select(Commune).order_by(Commune.name))]


def _max(length: int) -> MaxLength:
    return MaxLength(length)


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
        raise ValidationError(lazy_gettext("Numéro de téléphone invalide (10 chiffres, par exemple 03 80 12 34 56)."))


def _website(value: str | None) -> str:
    value = (value or "").strip()
    if value and not value.startswith(("http://", "https://")):
        value = "https://" + value
    return value


def _url(form, field):
    if field.data and not re.fullmatch(r"https?://[^\s/$.?#][^\s]*\.[^\s]{2,}", field.data):
        raise ValidationError(lazy_gettext("Adresse web invalide (exemple : www.ma-boutique.fr ou la page Facebook)."))


class ShopForm(FlaskForm):
    """Creating a shop and, for its owner, changing its settings."""

    area_commune_codes: list | None = None  # the INSEE codes of `area_communes`, once validated

    name = StringField(lazy_gettext("Nom du commerce"),
                       validators=[DataRequired(lazy_gettext("Indiquez le nom du commerce.")), _max(140)])
    category = SelectField(lazy_gettext("Activité"), coerce=int, validate_choice=True)
    commune = SelectField(lazy_gettext("Commune"))
    address = StringField(lazy_gettext("Adresse"),
                          validators=[DataRequired(lazy_gettext("Indiquez l'adresse du commerce.")), _max(200)],
                          render_kw={"autocomplete": "street-address", "placeholder": "12 rue de la Liberté"})
    description = TextAreaField(lazy_gettext("Présentation"), validators=[_max(5000)],
                                description=lazy_gettext("Quelques lignes pour les habitants : ce que vous vendez, "
                                                         "ce qui vous rend unique."))
    phone = StringField(lazy_gettext("Téléphone"), validators=[Optional(), _phone],
                        render_kw={"type": "tel", "autocomplete": "tel"})
    email = EmailField(lazy_gettext("E-mail du commerce"),
                       validators=[Optional(), Email(lazy_gettext("Adresse e-mail invalide.")), _max(254)])
    website = StringField(lazy_gettext("Site web ou page Facebook"), filters=[_website],
                          validators=[Optional(), _url, _max(300)])
    photo = FileField(lazy_gettext("Logo ou photo de la vitrine"),
                      description=lazy_gettext("JPEG, PNG ou WebP, 5 Mo au plus."),
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})
    kind = SelectField(lazy_gettext("Ce que vous proposez"), default="commerce", choices=[
        SelectChoice("commerce", lazy_gettext("Je vends des produits (commerce)")),
        SelectChoice("services", lazy_gettext("Je propose des services"))],
        # The choices stay short: a phone shows the chosen one on one line, cut at the box's edge.
        description=lazy_gettext("Des services : artisan, prestataire ou entreprise, sans catalogue de produits ; "
                                 "les habitants vous trouvent par vos services."))
    services = TextAreaField(lazy_gettext("Vos services (un par ligne)"), validators=[_max(3000)],
                             description=lazy_gettext("Par exemple : Dépannage de fuites, Pose de chauffe-eau. Les "
                                                      "habitants vous trouvent par ces mots dans la recherche."))
    keywords = StringField(lazy_gettext("Mots-clés (séparés par des virgules)"), validators=[_max(500)],
                           render_kw={"placeholder": "plombier, chauffagiste, dépannage"})
    area_radius_km = IntegerField(lazy_gettext("Zone d'intervention : rayon en km autour de votre commune"),
                                  validators=[Optional(), NumberRange(1, 300, lazy_gettext(
                                      "Zone d'intervention : un rayon de 1 à 300 km."))],
                                  render_kw={"inputmode": "numeric"})
    area_communes = StringField(
        lazy_gettext("Communes desservies"), validators=[_max(4000)],
        render_kw={"autocomplete": "off", "data-commune-chips": "", "placeholder": "Semur-en-Auxois (21140), Époisses"},
        description=lazy_gettext("Les communes où vous intervenez, en plus du rayon : nom ou code postal, séparés par "
                                 "des virgules. Les habitants de ces communes vous trouvent dans la recherche."))
    accepts_card = BooleanField(lazy_gettext("J'accepte la carte du territoire"), default=True)
    private_listings = BooleanField(
        lazy_gettext("Ne pas partager mes fiches produits avec les autres commerces"),
        description=lazy_gettext("Sinon, un commerce du territoire qui scanne le code-barres d'un de vos produits "
                                 "reprend son nom, son unité, sa catégorie et sa photo (jamais votre prix ni "
                                 "votre stock)."))
    weekly_summary = BooleanField(
        lazy_gettext("Recevoir chaque lundi le résumé de la semaine par e-mail"), default=True,
        description=lazy_gettext("Ce que la carte vous a apporté, les commandes, ce qui attend et ce que les "
                                 "habitants cherchent sans le trouver ; rien n'est envoyé d'une semaine sans rien."))
    siret = StringField(lazy_gettext("SIRET"),
                        validators=[DataRequired(lazy_gettext("Indiquez le SIRET du commerce (14 chiffres).")),
                                    _checked_by(normalize_siret)],
                        description=lazy_gettext("14 chiffres, sur un extrait Kbis, l'avis de situation Sirene ou "
                                                 "vos factures."),
                        render_kw={"inputmode": "numeric"})  # no example SIRET: it read as one already filled in
    mediator_name = StringField(
        lazy_gettext("Médiateur de la consommation"), validators=[_max(200)],
        description=lazy_gettext("Celui auquel votre commerce adhère, souvent par votre fédération ou votre chambre "
                                 "consulaire. La loi demande de le donner à vos clients : il figure sur votre page."))
    mediator_url = StringField(lazy_gettext("Site du médiateur"), filters=[_website],
                               validators=[Optional(), _url, _max(300)])
    iban = StringField(lazy_gettext("IBAN (pour recevoir les paiements de la carte)"),
                       validators=[Optional(), _checked_by(normalize_iban)],
                       description=lazy_gettext(
                           "Facultatif pour commencer ; nécessaire pour être payé des achats par carte."),
                       render_kw={"autocomplete": "off"})  # no example IBAN: it read as one already filled in
    submit = SubmitField(lazy_gettext("Enregistrer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = kwargs.get("obj")  # the shop whose settings these are; None for a new one
        self.category.choices = category_choices()
        self.commune.choices = [SelectChoice("", lazy_gettext("— Choisissez la commune —"))] + commune_choices()

    def validate_siret(self, field):
        try:
            number = normalize_siret(field.data)
        except InvalidValue:
            return  # said by the field's own check
        if number and siret_in_use(number, except_shop_id=self.stored.id if self.stored is not None else None):
            raise ValidationError(lazy_gettext(
                "SIRET : un commerce avec ce numéro est déjà inscrit sur Halle ; demandez à son responsable de vous "
                "inviter dans son équipe."))

    def validate_mediator_name(self, field):
        if not (field.data or "").strip() and self.mediator_url.data:
            raise ValidationError(lazy_gettext("Médiateur de la consommation : indiquez son nom, avec son site."))

    def validate_commune(self, field):
        if not field.data:
            raise ValidationError(lazy_gettext("Choisissez la commune du commerce."))

    def validate_area_communes(self, field):
        communes, problems = parse_commune_list(field.data)
        if problems:
            raise ValidationError(lazy_gettext("Communes desservies : %(problems)s. Corrigez ou retirez-les.",
                                               problems=" ; ".join(problems)))
        self.area_commune_codes = [c.insee for c in communes]

    def show_area_communes(self, codes) -> None:
        """The communes served, as labels the picker and the text field understand."""
        communes = {c.insee: c for c in db.session.scalars(db.select(Commune).where(Commune.insee.in_(codes or [])))}
        self.area_communes.data = ", ".join(communes[code].label for code in codes or [] if code in communes)

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
        # An empty day is a closed one (the example of hours is given once, above the days).
        render_kw={"placeholder": lazy_gettext("Fermé")}))


class ProductForm(OnceForm):
    name = StringField(lazy_gettext("Nom du produit"),
                       validators=[DataRequired(lazy_gettext("Indiquez le nom du produit.")), _max(200)])
    price = StringField(lazy_gettext("Prix TTC (€)"), validators=[_checked_by(parse_price)],
                        render_kw={"inputmode": "decimal", "placeholder": "12,50"})
    unit = StringField(lazy_gettext("Unité"), validators=[_max(30)],
                       render_kw={"list": "unit-options", "placeholder": "la pièce, le kg…"},
                       description=lazy_gettext("Facultatif : le prix s'entend par…"))
    category = SelectField(lazy_gettext("Catégorie"), coerce=int)
    stock = StringField(lazy_gettext("Stock"), validators=[_max(20), _checked_by(parse_stock)],
                        render_kw={"inputmode": "numeric"},
                        description=lazy_gettext(
                            "Quantité disponible ; laissez vide pour un produit « sur commande »."))
    description = TextAreaField(lazy_gettext("Description"), validators=[_max(5000)])
    sku = StringField(lazy_gettext("Référence"), validators=[_max(60)],
                      description=lazy_gettext(
                          "Votre code article : il permet de mettre à jour le produit par import."))
    ean = StringField(lazy_gettext("Code-barres EAN"), validators=[_max(20), _checked_by(normalize_ean)],
                      render_kw={"inputmode": "numeric"})
    photos = MultipleFileField(lazy_gettext("Photos"),
                               description=lazy_gettext("JPEG, PNG ou WebP, 5 Mo au plus chacune."),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})
    camera_photo = FileField(lazy_gettext("Prendre une photo"),
                             description=lazy_gettext("Sur un téléphone, ouvre l'appareil photo."),
                             render_kw={"accept": "image/*", "capture": "environment"})
    # The photo of the territory's listing the barcode found (marketplace/product_reference.py),
    # set by static/js/barcode_scan.js; checked again on saving.
    reference_photo = HiddenField()  # a key the reference offered; product_reference.shared_photo ignores any other
    active = BooleanField(lazy_gettext("En ligne (visible des habitants)"), default=True)
    submit = SubmitField(lazy_gettext("Enregistrer le produit"))

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
            raise ValidationError(
                lazy_gettext("La référence « %(sku)s » est déjà celle d'un autre de vos produits.", sku=sku))

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


BULK_CHOICES = [SelectChoice("", lazy_gettext("— Action sur la sélection —")),
                SelectChoice("activate", lazy_gettext("Mettre en ligne")),
                SelectChoice("deactivate", lazy_gettext("Retirer de la vente")),
                SelectChoice("category", lazy_gettext("Changer de catégorie")),
                SelectChoice("stock", lazy_gettext("Changer le stock"))]


class BulkActionForm(FlaskForm):
    action = SelectField(lazy_gettext("Action"), choices=BULK_CHOICES)
    category = SelectField(lazy_gettext("Nouvelle catégorie"), coerce=int, validate_choice=False)
    stock = StringField(lazy_gettext("Nouveau stock"), validators=[_checked_by(parse_stock)],
                        render_kw={"placeholder": lazy_gettext("vide = sur commande"), "inputmode": "numeric"})
    submit = SubmitField(lazy_gettext("Appliquer"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()

    def validate_action(self, field):
        if not field.data:
            raise ValidationError(lazy_gettext("Choisissez une action."))

    def validate_category(self, field):
        if self.action.data == "category" and field.data not in category_ids(self.category.choices):
            raise ValidationError(lazy_gettext("Choisissez la nouvelle catégorie."))


class InvitationForm(OnceForm):
    email = EmailField(lazy_gettext("Adresse e-mail"),
                       validators=[DataRequired(lazy_gettext("Indiquez l'adresse e-mail de la personne.")),
                                   Email(lazy_gettext("Adresse e-mail invalide.")), _max(254)])
    role = SelectField(lazy_gettext("Rôle"),
                       choices=[SelectChoice(key, label) for key, label in INVITABLE_ROLES.items()],
                       default=next(iter(INVITABLE_ROLES)))  # the narrowest: the till only
    submit = SubmitField(lazy_gettext("Envoyer l'invitation"))


class ClosureForm(OnceForm):
    starts_on = DateField(lazy_gettext("Du"),
                          validators=[DataRequired(lazy_gettext("Indiquez le premier jour de fermeture."))])
    ends_on = DateField(lazy_gettext("Au (inclus)"),
                        validators=[DataRequired(lazy_gettext("Indiquez le dernier jour de fermeture."))])
    reason = StringField(lazy_gettext("Motif (affiché aux habitants)"), validators=[_max(200)],
                         render_kw={"placeholder": lazy_gettext("Congés d'été")})
    submit = SubmitField(lazy_gettext("Ajouter la fermeture"))

    def validate_ends_on(self, field):
        if self.starts_on.data and field.data and field.data < self.starts_on.data:
            raise ValidationError(lazy_gettext("Le dernier jour doit être après le premier."))


class ImportUploadForm(FlaskForm):
    file = FileField(lazy_gettext("Fichier CSV, TSV ou Excel (.xlsx)"),
                     validators=[FileRequired(lazy_gettext("Choisissez le fichier de votre catalogue."))],
                     render_kw={"accept": ".csv,.tsv,.txt,.xlsx,text/csv,text/tab-separated-values,"
                                          "application/vnd.openxmlformats-"
                                          "officedocument.spreadsheetml.sheet"},
                     description=lazy_gettext("L'export de votre tableur ou de votre logiciel de caisse suffit : "
                                 "une ligne par produit, avec au moins le nom et le prix."))
    submit = SubmitField(lazy_gettext("Lire le fichier"))


class FeedForm(FlaskForm):
    url = StringField(lazy_gettext("Adresse du fichier (https://…)"),
                      validators=[DataRequired(lazy_gettext("Indiquez l'adresse du fichier.")), MaxLength(2000)],
                      description=lazy_gettext("Le lien « publier sur le web » de votre tableur (Google Sheets : CSV, "
                                               "TSV ou XLSX), l'export produits de votre boutique en ligne "
                                               "(WooCommerce, PrestaShop, Shopify) ou un flux Google Merchant Center."),
                      render_kw={"inputmode": "url", "autocomplete": "url"})
    submit = SubmitField(lazy_gettext("Lire ce fichier"))
