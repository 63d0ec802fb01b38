"""The resident's commune ("Ma commune") and geography of the territory."""
import math
import re
import unicodedata

from flask import session
from flask_login import current_user
from sqlalchemy import func

from marketplace.extensions import db
from marketplace.models import Commune

EARTH_RADIUS_KM = 6371.0
SESSION_KEY = "commune_insee"


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points, in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlambda = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def commune_distance_km(a, b) -> float:
    """Between two communes (Commune rows or the reference data's CommuneInfo)."""
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def fold(text: str) -> str:
    """Lower case without accents, hyphens or apostrophes: 'Arnay-le-Duc' -> 'arnay le duc'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    for sep in "-'’":
        bare = bare.replace(sep, " ")
    return " ".join(bare.split())


def _by_population() -> list[Commune]:
    # The territory has a few hundred communes: filtering in Python keeps accents, hyphens,
    # case and the space-separated postal codes simple.
    return Commune.query.order_by(Commune.population.desc(), Commune.name).all()


def find_communes(query: str, limit: int = 10) -> list[Commune]:
    """Suggestions as one types: communes whose postal code starts with the digits typed, or whose
    folded name starts with (first) or contains (then) the text typed."""
    query = (query or "").strip()
    if not query:
        return []
    candidates = _by_population()
    if query.isdigit():
        return [c for c in candidates if any(code.startswith(query) for code in c.postal_code_list)][:limit]
    wanted = fold(query)
    starts = [c for c in candidates if fold(c.name).startswith(wanted)]
    contains = [c for c in candidates if wanted in fold(c.name) and c not in starts]
    return (starts + contains)[:limit]


def matching_communes(value: str) -> list[Commune]:
    """The communes a typed value means, most populated first (the person picks one when there are
    several). A postal code means its communes (several often share one: 21140 is Semur-en-Auxois
    and its neighbours), never the commune whose INSEE code happens to be those digits; an INSEE
    code is understood only when no commune has it as a postal code. A label "Name (21140)" means
    that commune; a name means the communes named so, else those whose name starts with it, else
    those whose name contains it (case and accents ignored)."""
    value = (value or "").strip()
    if not value:
        return []
    candidates = _by_population()
    if re.fullmatch(r"\d{5}", value):
        by_postal_code = [c for c in candidates if value in c.postal_code_list]
        if by_postal_code:
            return by_postal_code
        by_code = db.session.get(Commune, value)
        return [by_code] if by_code is not None else []
    labelled = re.fullmatch(r"(.+?)\s*\((\d{5})\)", value)
    name, postal_code = (labelled.group(1), labelled.group(2)) if labelled else (value, None)
    wanted = fold(name)
    if not wanted:
        return []
    if postal_code:
        candidates = [c for c in candidates if postal_code in c.postal_code_list] or candidates
    for matches in ([c for c in candidates if fold(c.name) == wanted],
                    [c for c in candidates if fold(c.name).startswith(wanted)],
                    [c for c in candidates if wanted in fold(c.name)]):
        if matches:
            return matches
    return []


def resolve_commune(value: str) -> Commune | None:
    """The one commune meant by a typed value (see matching_communes); None when none or several."""
    matches = matching_communes(value)
    return matches[0] if len(matches) == 1 else None


def validate_commune_field(form, field) -> None:
    """WTForms validator of a typed commune (profile, company account): one commune, or a message
    that lists the communes a shared postal code or a short name means, so the person can pick."""
    from wtforms.validators import ValidationError

    from marketplace.i18n import lazy_gettext

    value = (field.data or "").strip()
    if not value:
        return
    matches = matching_communes(value)
    if not matches:
        raise ValidationError(lazy_gettext("Commune inconnue sur le territoire : précisez le nom ou le code postal."))
    if len(matches) > 1:
        raise ValidationError(lazy_gettext(
            "Plusieurs communes correspondent (%(communes)s) : tapez le nom de la vôtre.", communes=_listed(matches)))


def _listed(matches: list[Commune]) -> str:
    """"Semur-en-Auxois (21140), Genay (21140) …": the communes a value may mean, at most eight."""
    shown = ", ".join(f"{c.name} ({c.postal_code_list[0] if c.postal_code_list else c.insee})" for c in matches[:8])
    return shown + (" …" if len(matches) > 8 else "")


COMMUNE_LIST_SEPARATORS = re.compile(r"[;,\n]+")


def parse_commune_list(text: str) -> tuple[list[Commune], list[str]]:
    """The communes of a typed list (names, postal codes or "Name (21140)" labels, separated by
    commas, semicolons or lines; the picker of the business form writes labels), each once, and
    what is wrong with the others: one French phrase per value that means no commune or several,
    naming it."""
    from marketplace.i18n import lazy_gettext

    communes, problems = [], []
    for value in (v.strip() for v in COMMUNE_LIST_SEPARATORS.split(text or "")):
        if not value:
            continue
        matches = matching_communes(value)
        if not matches:
            problems.append(str(lazy_gettext("« %(value)s » n'est pas une commune du territoire", value=value)))
        elif len(matches) > 1:
            problems.append(str(lazy_gettext("« %(value)s » désigne plusieurs communes (%(communes)s)", value=value,
                                             communes=_listed(matches))))
        elif matches[0] not in communes:
            communes.append(matches[0])
    return communes, problems


def current_commune():
    """The commune the visitor chose (search.reference.CommuneInfo: insee, name, slug, latitude,
    longitude): the session first, then the account's home commune. Read from the territory's
    reference data in memory: every page shows it, and a query for it cost a resident's search
    page a third of its time (a transaction begun and rolled back)."""
    insee = session.get(SESSION_KEY)
    if insee is None and current_user and current_user.is_authenticated:
        insee = current_user.home_commune_insee
    if not insee:
        return None
    from search import reference_data

    return reference_data().communes.get(insee)


def remember_commune(commune: Commune) -> None:
    """Keep the choice in the session and, for a logged-in resident, in the account."""
    session[SESSION_KEY] = commune.insee
    if current_user.is_authenticated:
        current_user.home_commune_insee = commune.insee
        db.session.commit()


def territory_summary() -> dict:
    from marketplace.models import Product, Shop
    from marketplace.models.shops import public_product_clause

    return {
        "communes": db.session.scalar(db.select(func.count()).select_from(Commune)),
        "population": db.session.scalar(db.select(func.coalesce(func.sum(Commune.population), 0))),
        "shops": db.session.scalar(
            db.select(func.count()).select_from(Shop).where(Shop.status == "approved")
        ),
        "products": db.session.scalar(
            db.select(func.count())
            .select_from(Product)
            .join(Shop)
            .where(public_product_clause())
        ),
    }

