"""The admin's form of a top-up programme: each refusal names its field."""
from flask_babel import gettext
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, NumberRange, ValidationError

from loyalty.clock import paris_day, utc_now
from marketplace.catalogue import AmountTooHigh, InvalidValue, parse_price, too_high
from marketplace.employer.forms import MultiCheckboxField
from marketplace.forms import DateField, IntegerField, MaxLength, OnceForm, SelectField
from marketplace.i18n import lazy_gettext
from marketplace.topup_programmes import ProgrammeTerms


def _euros(label):
    """A validator turning the field's euros into `field.cents` (refusal names the field)."""
    def check(form, field):
        try:
            field.cents = parse_price(field.data)
        except AmountTooHigh:
            raise ValidationError(too_high(label)) from None
        except InvalidValue:
            raise ValidationError(gettext("%(field)s : un montant en euros plus grand que zéro, par exemple 1000 ou "
                                          "20,50.", field=label)) from None
    return check


class ProgrammeForm(OnceForm):
    name = StringField(lazy_gettext("Nom du programme"), validators=[
        DataRequired(lazy_gettext("Nom du programme : obligatoire.")), MaxLength(120)])
    budget = StringField(lazy_gettext("Budget (€)"), render_kw={"inputmode": "decimal"})
    rate_percent = IntegerField(lazy_gettext("Abondement (en pourcentage de ce qui est payé)"), validators=[
        InputRequired(lazy_gettext("Abondement : un nombre entier de 1 à 200.")),
        NumberRange(1, 200, lazy_gettext("Abondement : un nombre entier de 1 à 200."))],
        description=lazy_gettext("50 : pour 20 € payés, 30 € sur la carte."))
    cap_per_purchase = StringField(lazy_gettext("Abondement au plus par achat (€)"), render_kw={"inputmode": "decimal"})
    cap_per_person = StringField(lazy_gettext("Abondement au plus par personne (€)"), render_kw={"inputmode": "decimal"})
    starts_on = DateField(lazy_gettext("Début"), validators=[DataRequired(lazy_gettext("Début : indiquez une date."))])
    ends_on = DateField(lazy_gettext("Fin"), validators=[DataRequired(lazy_gettext("Fin : indiquez une date."))])
    categories = MultiCheckboxField(lazy_gettext("Catégories où l'abondement se dépense (aucune cochée : toutes)"),
                                    choices=[])
    communes = MultiCheckboxField(lazy_gettext("Communes où l'abondement se dépense (aucune cochée : toutes)"),
                                  choices=[])
    owner = SelectField(lazy_gettext("Porteur du programme (qui paie le budget)"), choices=[], default="",
                        description=lazy_gettext("Une commune : l'abondement se dépense dans cette commune seulement. "
                                                 "Une union commerciale : chez ses commerces membres seulement."))
    submit = SubmitField(lazy_gettext("Enregistrer"))

    def __init__(self, *args, category_choices=(), commune_choices=(), owner_choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.stored = kwargs.get("obj")  # the programme being changed; None for a new one
        if self.categories is not None:
            self.categories.choices = list(category_choices)
            self.communes.choices = list(commune_choices)
            self.owner.choices = {None: [("", gettext("Le territoire"))], **dict(owner_choices)}
        self.budget.validators = [_euros(gettext("Budget"))]
        self.cap_per_purchase.validators = [_euros(gettext("Abondement au plus par achat"))]
        self.cap_per_person.validators = [_euros(gettext("Abondement au plus par personne"))]

    def validate_starts_on(self, field):
        """A new programme starts today or later: it cannot top up purchases already paid. A stored
        programme keeps the start it has (already running), but is not moved back into the past."""
        unchanged = self.stored is not None and field.data == self.stored.starts_on
        if field.data and not unchanged and field.data < paris_day(utc_now()):
            raise ValidationError(gettext("Début : aujourd'hui ou plus tard."))

    def validate_ends_on(self, field):
        if field.data and self.starts_on.data and field.data < self.starts_on.data:
            raise ValidationError(gettext("Fin : le jour du début ou plus tard."))
        # Ending a programme in the past would end it retroactively: today at the earliest (a
        # programme that has already ended may keep its end date while another field changes).
        unchanged = self.stored is not None and field.data == self.stored.ends_on
        if field.data and not unchanged and field.data < paris_day(utc_now()):
            raise ValidationError(gettext("Fin : aujourd'hui ou plus tard (un programme ne s'arrête pas dans "
                                          "le passé)."))

    def terms(self, association_id: int | None = None, commune_insee: str | None = None) -> ProgrammeTerms:
        """`association_id`, `commune_insee`: the owner's own form (OwnProgrammeForm: no places, no
        owner to choose)."""
        kind, _, owner = (self.owner.data or "").partition(":") if self.owner is not None else ("", "", "")
        return ProgrammeTerms(name=self.name.data.strip(), budget_cents=self.budget.cents,
                              rate_percent=self.rate_percent.data, cap_per_purchase_cents=self.cap_per_purchase.cents,
                              cap_per_person_cents=self.cap_per_person.cents, starts_on=self.starts_on.data,
                              ends_on=self.ends_on.data,
                              allowed_categories=(self.categories.data or None) if self.categories is not None else None,
                              allowed_communes=(self.communes.data or None) if self.communes is not None else None,
                              commune_insee=commune_insee or (owner if kind == "commune" else None),
                              association_id=association_id or (int(owner) if kind == "union" else None))


def owner_value(programme) -> str:
    """The owner field's value of a stored programme."""
    if programme.commune_insee:
        return f"commune:{programme.commune_insee}"
    return f"union:{programme.association_id}" if programme.association_id else ""


def fill(form: "ProgrammeForm", programme) -> None:
    """A stored programme's values in the form's fields (euros written the French way)."""
    for name in ("budget", "cap_per_purchase", "cap_per_person"):
        getattr(form, name).data = f"{getattr(programme, name + '_cents') / 100:.2f}".replace(".", ",")
    if form.categories is not None:
        form.categories.data = programme.allowed_categories or []
        form.communes.data = programme.allowed_communes or []
        form.owner.data = owner_value(programme)


class OwnProgrammeForm(ProgrammeForm):
    """The programme of a merchants' association (its top-ups are spent at its member shops) or of
    a commune (spent in the commune), made by its own managers."""
    categories = None
    communes = None
    owner = None
