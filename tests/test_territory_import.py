
import pytest
from sqlalchemy import func, select

from marketplace.extensions import db
from marketplace.models import Category, Commune
from marketplace.taxonomy import (
    EXCLUDED_FROM_GIFTS_BY_DEFAULT,
    FESTIVE_SLUG,
    default_category_slugs,
    ensure_default_taxonomy,
)
from marketplace.territory_import import (
    AUXOIS_MORVAN_EPCIS,
    import_territory,
    load_communes_file,
    slugify,
)


def commune_count():
    return db.session.execute(select(func.count()).select_from(Commune)).scalar_one()


def test_data_file_covers_france():
    communes = load_communes_file()
    assert len(communes) > 34_000
    assert [c.insee for c in communes] == sorted(c.insee for c in communes)
    assert all(-63 < c.longitude < 56 and -22 < c.latitude < 52 for c in communes)
    paris = next(c for c in communes if c.insee == "75056")
    assert "75001" in paris.postal_codes.split() and paris.population > 2_000_000


def test_import_by_epci_is_an_idempotent_upsert(app_ctx):
    result = import_territory(epci_codes=AUXOIS_MORVAN_EPCIS)
    assert (result.created, result.updated) == (226, 0)
    assert commune_count() == 226
    semur = db.session.get(Commune, "21603")
    assert semur.name == "Semur-en-Auxois" and semur.slug == "semur-en-auxois"
    assert semur.postal_codes == "21140" and semur.departement == "21"
    assert semur.epci_code == "200071017" and semur.population > 3_000
    assert 47.4 < semur.latitude < 47.6 and 4.2 < semur.longitude < 4.4
    population = db.session.execute(select(func.sum(Commune.population))).scalar_one()
    assert 50_000 < population < 60_000

    semur.population = 1  # drifted from the data file: a re-import corrects it
    db.session.commit()
    again = import_territory(epci_codes=AUXOIS_MORVAN_EPCIS)
    assert (again.created, again.updated, again.unchanged) == (0, 1, 225)
    assert commune_count() == 226
    assert db.session.get(Commune, "21603").population > 3_000


def test_unknown_codes_are_named_and_change_nothing(app_ctx):
    with pytest.raises(ValueError) as error:
        import_territory(epci_codes=["200071017", "999999999"], departements=["99"])
    assert "999999999" in str(error.value) and "99" in str(error.value)
    assert commune_count() == 0
    with pytest.raises(ValueError):
        import_territory()


def test_import_by_departement_with_slug_collisions(app_ctx):
    result = import_territory(departements=["90"])  # Territoire de Belfort
    assert 90 < result.created < 120
    assert {c.departement for c in db.session.execute(select(Commune)).scalars()} == {"90"}

    # Côte-d'Or has a Saint-Rémy too; a homonym elsewhere gets its INSEE code in its slug.
    import_territory(epci_codes=AUXOIS_MORVAN_EPCIS, departements=["1"])  # "1" means "01"
    slugs = db.session.execute(select(Commune.slug)).scalars().all()
    assert len(slugs) == len(set(slugs))
    assert db.session.get(Commune, "01001").slug == "abergement-clemenciat"
    saint_remy = db.session.execute(select(Commune).filter_by(name="Saint-Rémy")).scalars().all()
    assert sorted(c.slug for c in saint_remy)[0] == "saint-remy"
    assert all(c.slug in ("saint-remy", f"saint-remy-{c.insee.lower()}") for c in saint_remy)


def test_slugify():
    assert slugify("Précy-sous-Thil") == "precy-sous-thil"
    assert slugify("L'Haÿ-les-Roses") == "l-hay-les-roses"
    assert slugify("Œuilly") == "oeuilly"


def test_default_taxonomy_is_idempotent(app_ctx):
    categories = ensure_default_taxonomy(db.session)
    db.session.commit()
    ensure_default_taxonomy(db.session)
    db.session.commit()
    count = db.session.execute(select(func.count()).select_from(Category)).scalar_one()
    assert count == len(default_category_slugs()) == len(categories)
    for slug in (*EXCLUDED_FROM_GIFTS_BY_DEFAULT, FESTIVE_SLUG, "boulangerie-patisserie",
                 "pieces-agricoles", "vetements", "poterie-ceramique", "services"):
        assert slug in categories
    assert categories[FESTIVE_SLUG].parent.slug == "alimentation"
    assert all(slug.isascii() for slug in categories)
