"""The shared form fields of marketplace/forms.py: a value that cannot be read names its field, and
a field left empty is left to what its validators say of emptiness."""
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms.validators import InputRequired, NumberRange, Optional

from marketplace.forms import DateField, IntegerField


class _Area(FlaskForm):
    radius = IntegerField("Rayon", validators=[Optional(), NumberRange(1, 300, "Rayon : de 1 à 300 km.")])
    children = IntegerField("Enfants", validators=[InputRequired("Enfants : indiquez un nombre.")])
    day = DateField("Jour", validators=[Optional()])


def _errors(app, **typed) -> dict:
    with app.test_request_context(method="POST"):
        form = _Area(formdata=MultiDict(typed), meta={"csrf": False})
        form.validate()
        return form.errors


def test_an_empty_optional_number_is_no_mistake_and_an_empty_required_one_asks_for_it(app):
    assert _errors(app, radius="", children="2", day="") == {}
    assert _errors(app, radius="  ", children="") == {"children": ["Enfants : indiquez un nombre."]}


def test_letters_or_an_impossible_day_name_the_field(app):
    assert _errors(app, radius="abc", children="2") == {"radius": ["Rayon : de 1 à 300 km."]}
    assert _errors(app, radius="12", children="deux") == {"children": ["Enfants : un nombre entier."]}
    assert _errors(app, children="1", day="31/02/2026") == {
        "day": ["Jour : le 31/02/2026 n'existe pas dans le calendrier."]}
