"""The resident's commune ("Ma commune") and geography of the territory."""
import math
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


def commune_distance_km(a: Commune, b: Commune) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def fold(text: str) -> str:
    """Lower case without accents, hyphens or apostrophes: 'Arnay-le-Duc' -> 'arnay le duc'."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    for sep in "-'’":
        bare = bare.replace(sep, " ")
    return " ".join(bare.split())


def find_communes(query: str, limit: int = 10) -> list[Commune]:
    """Communes of the territory matching a postal code (prefix) or a name (accent-insensitive)."""
    query = (query or "").strip()
    if not query:
        return []
    if query.isdigit():
        return (
            Commune.query.filter(Commune.postal_codes.contains(query))
            .order_by(Commune.population.desc())
            .limit(limit)
            .all()
        )
    wanted = fold(query)
    # Names are few (a few hundred): folding in Python keeps accents, hyphens and case simple.
    candidates = Commune.query.order_by(Commune.population.desc()).all()
    starts = [c for c in candidates if fold(c.name).startswith(wanted)]
    contains = [c for c in candidates if wanted in fold(c.name) and c not in starts]
    return (starts + contains)[:limit]


def resolve_commune(value: str) -> Commune | None:
    """The one commune meant by a typed value: an INSEE code, a label, a name or a postal code."""
    value = (value or "").strip()
    if not value:
        return None
    by_code = db.session.get(Commune, value)
    if by_code is not None:
        return by_code
    name = value.split(" (")[0]
    exact = [c for c in find_communes(name, limit=50) if fold(c.name) == fold(name)]
    if len(exact) == 1:
        return exact[0]
    matches = find_communes(value, limit=2)
    return matches[0] if len(matches) == 1 else None


def current_commune() -> Commune | None:
    """The commune the visitor chose: the session first, then the account's home commune."""
    insee = session.get(SESSION_KEY)
    if insee is None and current_user and current_user.is_authenticated:
        insee = current_user.home_commune_insee
    return db.session.get(Commune, insee) if insee else None


def remember_commune(commune: Commune) -> None:
    """Keep the choice in the session and, for a logged-in resident, in the account."""
    session[SESSION_KEY] = commune.insee
    if current_user.is_authenticated:
        current_user.home_commune_insee = commune.insee
        db.session.commit()


def territory_summary() -> dict:
    from marketplace.models import Product, Shop

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
            .where(Shop.status == "approved", Product.active.is_(True))
        ),
    }

