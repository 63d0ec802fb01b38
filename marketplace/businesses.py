"""Businesses without a catalogue (issue 22): artisans, services and small industries say what
they do (services, keywords) and the area they serve; residents find them by those words."""
from flask_babel import gettext
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.models import Commune, Shop


def area_label(shop: Shop) -> str:
    """"dans un rayon de 25 km autour de Semur-en-Auxois", and/or the communes served by name."""
    parts = []
    if shop.area_radius_km:
        parts.append(gettext("dans un rayon de %(km)s km autour de %(commune)s", km=shop.area_radius_km,
                             commune=shop.commune.name))
    if shop.area_communes:
        names = db.session.scalars(select(Commune.name).where(Commune.insee.in_(shop.area_communes))
                                   .order_by(Commune.name)).all()
        if names:
            parts.append(", ".join(names))
    return " ; ".join(parts)
