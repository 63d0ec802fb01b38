"""Tables of the search engine: the index outbox, unmet searches and the synonym list."""
from marketplace.extensions import db
from marketplace.models.base import utcnow

OUTBOX_KINDS = ("product", "shop", "category")


class IndexOutbox(db.Model):
    """One thing whose index entries must be brought in step with the database.

    Written in the same transaction as the change (see search.outbox); the indexer reads the
    current state of the row when it drains the outbox, so several rows for one product
    collapse into one index update and the order of the rows does not matter.
    """

    __tablename__ = "search_outbox"

    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(10), nullable=False)  # product | shop | category
    entity_id = db.Column(db.Integer, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class UnmetSearch(db.Model):
    """A search that found nothing near the resident: for the territory's unmet-demand report.

    Nothing personal is kept: the words, the commune searched from, the date.
    """

    __tablename__ = "search_unmet"

    id = db.Column(db.Integer, primary_key=True)
    text = db.Column(db.String(200), nullable=False)
    commune_insee = db.Column(db.String(5), nullable=True, index=True)
    radius_km = db.Column(db.Integer, nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)


class SynonymGroup(db.Model):
    """Expressions that mean the same thing to a shopper: "pull, chandail, tricot"."""

    __tablename__ = "search_synonyms"

    id = db.Column(db.Integer, primary_key=True)
    terms = db.Column(db.String(300), nullable=False)  # comma separated expressions
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    @property
    def expressions(self) -> list[str]:
        return [term.strip() for term in self.terms.split(",") if term.strip()]
