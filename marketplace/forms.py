"""The forms every space shares: a bare POST button, a destructive action's tick box, the one-time
token of a creation form (OnceForm); the fields and validators whose refusal names the field."""
import calendar
import re
import secrets

import wtforms
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SubmitField
from wtforms.validators import DataRequired, Length, NumberRange, StopValidation, ValidationError

from marketplace.i18n import lazy_gettext


class MaxLength(Length):
    """Length(max=n) whose refusal names the field by its label, « Message : 500 caractères au plus. »,
    in the page's language (WTForms' own says "Field cannot be longer than 500 characters.")."""

    def __init__(self, most: int):
        super().__init__(max=most)

    def __call__(self, form, field):
        if len(field.data or "") > self.max:
            raise ValidationError(gettext("%(field)s : %(n)s caractères au plus.", field=field.label.text,
                                          n=self.max))


class _OneRefusal:
    """A value that cannot be read (a tampered or empty list, letters in a number) gets one message
    naming the field, and the field's other checks do not add theirs."""

    def pre_validate(self, form):
        if self.process_errors and not self._left_blank_to_its_validators():
            raise StopValidation()
        super().pre_validate(form)

    def _left_blank_to_its_validators(self) -> bool:
        """Nothing typed, in a field that says itself what that means (Optional lets it be, a
        required check asks for it): no « un nombre entier » for an empty optional number."""
        if any((value or "").strip() for value in (self.raw_data or [])):
            return False
        flags = {flag for validator in self.validators for flag in getattr(validator, "field_flags", {})}
        if not flags & {"optional", "required"}:
            return False
        self.process_errors = []
        return True


class _ChoiceRefusal(_OneRefusal):
    """A list's refusal names the field, « Activité : choisissez dans la liste. » (not « Choix non
    valide, ne peut pas être converti. » nor « N'est pas un choix valide. »)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        message = lazy_gettext("%(field)s : choisissez dans la liste.", field=self.label.text)
        self.invalid_value_message = self.invalid_value_message or message
        self.invalid_choice_message = self.invalid_choice_message or message


class SelectField(_ChoiceRefusal, wtforms.SelectField):
    pass


class RadioField(_ChoiceRefusal, wtforms.RadioField):
    pass


class IntegerField(_OneRefusal, wtforms.IntegerField):
    """WTForms' IntegerField whose refusal of letters says what its range says (« Abondement : un
    nombre entier de 1 à 200. ») or names the field, not « N'est pas un entier valide. »."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        ranges = [v.message for v in self.validators if isinstance(v, NumberRange) and v.message]
        self.invalid_value_message = self.invalid_value_message or (
            ranges[0] if ranges else lazy_gettext("%(field)s : un nombre entier.", field=self.label.text))


_TYPED_DAY = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})|(\d{4})-(\d{1,2})-(\d{1,2})")


def date_refusal(label, text: str) -> str:
    """Why `text` is not a date, naming the field: a day the calendar does not have (« le 31/02/2026
    n'existe pas »), or not a date at all."""
    text = (text or "").strip()
    typed = _TYPED_DAY.fullmatch(text)
    if typed:
        day, month, year = (typed.group(1, 2, 3) if typed.group(1) else typed.group(6, 5, 4))
        if 1 <= int(month) <= 12 and not 1 <= int(day) <= calendar.monthrange(int(year), int(month))[1]:
            return gettext("%(field)s : le %(text)s n'existe pas dans le calendrier.", field=label, text=text)
    return gettext("%(field)s : « %(text)s » n'est pas une date (jj/mm/aaaa).", field=label, text=text)


class DateField(_OneRefusal, wtforms.DateField):
    """WTForms' DateField reading the browser's date (2026-02-14) or one typed the French way
    (14/02/2026); a date it cannot read gets date_refusal's message."""

    def __init__(self, label=None, validators=None, format=None, **kwargs):
        super().__init__(label, validators, format or ["%Y-%m-%d", "%d/%m/%Y"], **kwargs)

    def process_formdata(self, valuelist):
        if valuelist and not " ".join(valuelist).strip():
            self.data = None  # left empty: the field's DataRequired or Optional says what to do
            return
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(date_refusal(self.label.text, " ".join(valuelist))) from None


class ButtonForm(FlaskForm):
    """An empty form: a POST button protected by CSRF."""

    submit = SubmitField(lazy_gettext("Confirmer"))


class ConfirmForm(FlaskForm):
    """A destructive action: the user ticks the box to confirm (checked by the server too)."""

    confirm = BooleanField(lazy_gettext("Je confirme"),
                           validators=[DataRequired(lazy_gettext("Cochez la case pour confirmer."))])
    submit = SubmitField(lazy_gettext("Confirmer"))


class OnceForm(FlaskForm):
    """A creation form sent once: a hidden one-time token drawn when the form is shown, which the
    route claims with marketplace/once.py in the creation's transaction. A double click or back +
    resubmit sends the same token again (the CSRF token is per session, so it cannot tell)."""

    once = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not (self.once.data or "").strip() or len(self.once.data) > 64:
            self.once.data = secrets.token_urlsafe(24)

    def validate(self, extra_validators=None):
        """The same form sent again passes (CSRF still checked) even where its fields would now be
        refused because of what the first one made (a reference « déjà utilisée »): the route's
        claim then leads it where the first one went."""
        if super().validate(extra_validators):
            return True
        from marketplace.once import claimed

        if self.errors.get("csrf_token") or not claimed(self.once.data):
            return False
        for field in self:
            field.errors = []
        self._errors = None
        return True
