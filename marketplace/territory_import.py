"""Load the territory's communes from data/communes.csv.gz (built by scripts/build_communes.py).

The territory is chosen by EPCI (intercommunalité) and/or département codes. Importing is an
upsert keyed by INSEE code: running it again updates what changed and never duplicates.
"""
import csv
import gzip
import io
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask_babel import gettext, ngettext
from sqlalchemy import delete, insert, select, update

from marketplace.extensions import db
from marketplace.models import Commune, CommuneInvitation, CommuneManager

DEFAULT_DATA_PATH = Path(__file__).resolve().parent.parent / "data" / "communes.csv.gz"

# The demo territory: the PETR (pays) Auxois Morvan, six communautés de communes in Côte-d'Or.
AUXOIS_MORVAN_EPCIS = (
    "200071017",  # CC des Terres d'Auxois (Semur-en-Auxois)
    "242101491",  # CC du Montbardois
    "200071207",  # CC de Pouilly-en-Auxois / Bligny-sur-Ouche
    "242101459",  # CC du Pays d'Alésia et de la Seine (Venarey-les-Laumes)
    "200071173",  # CC du Pays Arnay Liernais
    "242101442",  # CC Saulieu-Morvan
)

COMPARED_FIELDS = (
    "name",
    "postal_codes",
    "latitude",
    "longitude",
    "population",
    "epci_code",
    "epci_name",
    "departement",
)


def slugify(text: str, max_length: int = 120) -> str:
    """ASCII, lower case, hyphen separated: "Précy-sous-Thil" -> "precy-sous-thil"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae")
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].rstrip("-")


@dataclass(frozen=True)
class CommuneRecord:
    insee: str
    name: str
    postal_codes: str
    latitude: float
    longitude: float
    population: int
    epci_code: str
    epci_name: str
    departement: str


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    communes: list[str] = field(default_factory=list)  # INSEE codes of the selection

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


@lru_cache(maxsize=4)
def _read_file(path: str) -> tuple[CommuneRecord, ...]:
    with gzip.open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        return tuple(
            CommuneRecord(
                insee=row["insee"],
                name=row["name"],
                postal_codes=row["postal_codes"],
                latitude=float(row["latitude"]),
                longitude=float(row["longitude"]),
                population=int(row["population"] or 0),
                epci_code=row["epci_code"],
                epci_name=row["epci_name"],
                departement=row["departement"],
            )
            for row in csv.DictReader(text)
        )


def normalize_departement(code: str) -> str:
    """'1' -> '01', '2a' -> '2A'; other codes as given."""
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) == 1 else code


def load_communes_file(
    epci_codes=(), departements=(), data_path: str | Path = DEFAULT_DATA_PATH
) -> list[CommuneRecord]:
    """The communes of the data file in the given EPCIs or départements (all if none given).

    Raises ValueError naming the codes that match no commune of the file.
    """
    records = _read_file(str(data_path))
    epci_codes = {code.strip() for code in epci_codes if code.strip()}
    departements = {normalize_departement(code) for code in departements if code.strip()}
    if not epci_codes and not departements:
        return list(records)
    unknown_epcis = epci_codes - {r.epci_code for r in records}
    unknown_departements = departements - {r.departement for r in records}
    problems = []
    if unknown_epcis:
        problems.append(ngettext("Code EPCI inconnu : %(codes)s", "Codes EPCI inconnus : %(codes)s",
                                 len(unknown_epcis), codes=", ".join(sorted(unknown_epcis))))
    if unknown_departements:
        problems.append(ngettext("Département inconnu : %(codes)s", "Départements inconnus : %(codes)s",
                                 len(unknown_departements), codes=", ".join(sorted(unknown_departements))))
    if problems:
        raise ValueError(" ; ".join(problems) + ".")
    return [r for r in records if r.epci_code in epci_codes or r.departement in departements]


def import_territory(
    epci_codes=(), departements=(), data_path: str | Path = DEFAULT_DATA_PATH, session=None
) -> ImportResult:
    """Create or update the communes of the given EPCIs / départements, then commit.

    A new commune's slug is its slugified name, followed by its INSEE code when another commune
    already has that slug (there are 14 Saint-Rémy in France). A commune keeps its slug as long
    as its name does not change, so links stay valid.
    """
    if not epci_codes and not departements:
        raise ValueError(gettext("Indiquez au moins un code EPCI ou un département."))
    session = session or db.session
    records = load_communes_file(epci_codes, departements, data_path)
    wanted = {r.insee for r in records}

    existing = {}
    slug_owner = {}
    for commune in session.execute(select(Commune)).scalars():
        slug_owner[commune.slug] = commune.insee
        if commune.insee in wanted:
            existing[commune.insee] = commune

    def unique_slug(record: CommuneRecord) -> str:
        slug = slugify(record.name) or record.insee.lower()
        if slug_owner.get(slug, record.insee) != record.insee:
            slug = f"{slug}-{record.insee.lower()}"
        slug_owner[slug] = record.insee
        return slug

    result = ImportResult(communes=sorted(wanted))
    new_rows, changed_rows = [], []
    for record in records:
        values = {name: getattr(record, name) for name in COMPARED_FIELDS}
        commune = existing.get(record.insee)
        if commune is None:
            new_rows.append({"insee": record.insee, "slug": unique_slug(record), **values})
        elif any(getattr(commune, name) != value for name, value in values.items()):
            if commune.name != record.name:
                values["slug"] = unique_slug(record)
            changed_rows.append({"insee": record.insee, **values})
        else:
            result.unchanged += 1

    if new_rows:
        session.execute(insert(Commune), new_rows)
    if changed_rows:
        session.execute(update(Commune), changed_rows)  # bulk UPDATE by primary key
    session.commit()
    result.created, result.updated = len(new_rows), len(changed_rows)
    return result


class CommuneInUse(Exception):
    pass


def remove_commune(insee: str, *, session=None) -> Commune:
    """Take a commune out of the territory, refused while a shop, an employer, a locker bank, a card
    counter or a top-up programme of its own is located there (they would dangle); residents who
    chose it as home commune lose that choice, its programme managers that role, the merchants'
    associations that commune. Logged in the audit log, then committed."""
    from sqlalchemy import func

    from marketplace import audit
    from marketplace.models import CardCounter, Employer, LockerBank, Shop, TopUpProgramme, User
    from marketplace.models.associations import association_communes

    session = session or db.session
    commune = session.get(Commune, insee)
    if commune is None:
        raise CommuneInUse(gettext("Commune inconnue."))
    users = []
    in_words = {
        Shop: lambda n: ngettext("%(num)s commerce", "%(num)s commerces", n),
        Employer: lambda n: ngettext("%(num)s entreprise", "%(num)s entreprises", n),
        LockerBank: lambda n: ngettext("%(num)s consigne", "%(num)s consignes", n),
        CardCounter: lambda n: ngettext("%(num)s point de vente de cartes", "%(num)s points de vente de cartes", n),
        TopUpProgramme: lambda n: ngettext("%(num)s programme d'abondement de la commune",
                                           "%(num)s programmes d'abondement de la commune", n),
    }
    for model, described in in_words.items():
        count = session.scalar(select(func.count()).select_from(model).where(model.commune_insee == insee))
        if count:
            users.append(described(count))
    if users:
        raise CommuneInUse(gettext("%(commune)s ne peut pas être retirée du territoire : il s'y trouve encore "
                                   "%(users)s. Déplacez-les ou fermez-les d'abord.", commune=commune.name,
                                   users=", ".join(users)))
    session.execute(update(User).where(User.home_commune_insee == insee).values(home_commune_insee=None))
    for model in (CommuneManager, CommuneInvitation):  # its programme managers lose that role
        session.execute(delete(model).where(model.commune_insee == insee))
    session.execute(delete(association_communes).where(association_communes.c.commune_insee == insee))
    audit.record("commune.remove", commune, summary=f"{commune.name} ({insee}) retirée du territoire",
                 before={"insee": insee, "name": commune.name, "epci": commune.epci_code}, after=None)
    session.delete(commune)
    session.commit()
    return commune
