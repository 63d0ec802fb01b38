"""Where a shop's catalogue comes from besides its own typing: its feeds, its answers about categories."""
from marketplace.extensions import db
from marketplace.models.base import utcnow


class ShopCategoryAlias(db.Model):
    """A shop's answer to "which category is « Pain »?", reused by its next imports and feed runs.
    `text_key` is the category text as its files write it, folded (marketplace/territory.fold)."""

    __tablename__ = "shop_category_aliases"
    __table_args__ = (db.UniqueConstraint("shop_id", "text_key"),)

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False)
    text_key = db.Column(db.String(200), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id", ondelete="CASCADE"), nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class ShopColumnMapping(db.Model):
    """The columns a shop chose for a file whose headers were not recognised (or that it changed),
    reused with no question for its next uploads of a file with the same headers. `headers_key` is
    product_import.headers_key (a hash of the folded headers), `choice` product_import.column_choice."""

    __tablename__ = "shop_column_mappings"
    __table_args__ = (db.UniqueConstraint("shop_id", "headers_key"),)

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False)
    headers_key = db.Column(db.String(64), nullable=False)
    choice = db.Column(db.JSON, nullable=False)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)


class CatalogueFeed(db.Model):
    """A URL a shop keeps its catalogue at, re-read on a schedule (marketplace/feeds.py).

    `status`: draft (added, its first reading shown, not confirmed) -> active <-> paused.
    `running_since` is the run's claim: set by one UPDATE … WHERE running_since IS NULL, so two runs
    of one feed never overlap; a claim older than feeds.STALE_CLAIM is a dead worker's."""

    __tablename__ = "catalogue_feeds"

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False, index=True)
    url = db.Column(db.String(2000), nullable=False)
    status = db.Column(db.String(10), nullable=False, default="draft")
    format = db.Column(db.String(30), nullable=False, default="spreadsheet")
    mapping = db.Column(db.JSON, nullable=True)
    # The columns the shop chose on the mapping screen (product_import.column_choice), used by
    # every run instead of recognising them; None: recognised by their names at every run.
    column_choice = db.Column(db.JSON, nullable=True)
    interval_minutes = db.Column(db.Integer, nullable=False, default=60)  # 0: on demand only
    next_run_at = db.Column(db.DateTime, nullable=True, index=True)
    running_since = db.Column(db.DateTime, nullable=True)
    etag = db.Column(db.String(500), nullable=True)
    last_modified = db.Column(db.String(100), nullable=True)
    content_hash = db.Column(db.String(64), nullable=True)
    product_ids = db.Column(db.JSON, nullable=True)  # the products its last reading held
    offline_ids = db.Column(db.JSON, nullable=True)  # the products it took offline (back online if they return)
    last_notified_error = db.Column(db.String(500), nullable=True)  # not e-mailed twice in a row
    created_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)


class CatalogueFeedRun(db.Model):
    """One reading of a feed, shown to the shop. `status`: done, unchanged or failed; `errors` the
    refused lines [{"line", "field", "message"}] (at most product_import.MAX_ERRORS_SHOWN)."""

    __tablename__ = "catalogue_feed_runs"

    id = db.Column(db.Integer, primary_key=True)
    feed_id = db.Column(db.Integer, db.ForeignKey("catalogue_feeds.id", ondelete="CASCADE"), nullable=False,
                        index=True)
    started_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    finished_at = db.Column(db.DateTime, nullable=True)
    status = db.Column(db.String(10), nullable=False)
    counts = db.Column(db.JSON, nullable=True)  # created, updated, unchanged, offline, refused
    errors = db.Column(db.JSON, nullable=True)
    error = db.Column(db.String(500), nullable=True)


class ProductApiRequest(db.Model):
    """A products API write already done (marketplace/api/products.py), by the shop's Idempotency-Key:
    the same key again gets the same answer, whichever of the shop's API keys sends it."""

    __tablename__ = "product_api_requests"
    __table_args__ = (db.UniqueConstraint("shop_id", "key"),)

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False)
    key = db.Column(db.String(100), nullable=False)
    request_hash = db.Column(db.String(64), nullable=False)
    status_code = db.Column(db.Integer, nullable=False)
    response = db.Column(db.JSON, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
