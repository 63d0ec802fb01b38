from sqlalchemy.ext.hybrid import hybrid_property

from marketplace.extensions import db
from marketplace.models.base import utcnow

SHOP_STATUSES = ("pending", "approved", "rejected", "suspended")
OWNER, STAFF, CASHIER = "owner", "staff", "cashier"  # what each may do: marketplace/access.py
SHOP_ROLES = (OWNER, STAFF, CASHIER)
SHOP_KINDS = ("commerce", "services")  # sells a catalogue | offers services (no catalogue needed)


class Category(db.Model):
    """A node of the territory's category taxonomy (a tree)."""

    __tablename__ = "categories"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(80), nullable=False, unique=True)
    name = db.Column(db.String(120), nullable=False)
    parent_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=True)
    position = db.Column(db.Integer, nullable=False, default=0)

    parent = db.relationship("Category", remote_side=[id], back_populates="children")
    children = db.relationship("Category", back_populates="parent", order_by="Category.position")

    def __repr__(self) -> str:
        return f"<Category {self.slug}>"


class CategoryRedirect(db.Model):
    """The slug of a category merged into another: its links (pages, shared searches) lead to
    the category that took its products."""

    __tablename__ = "category_redirects"

    old_slug = db.Column(db.String(80), primary_key=True)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id", ondelete="CASCADE"), nullable=False,
                            index=True)


class Shop(db.Model):
    __tablename__ = "shops"

    id = db.Column(db.Integer, primary_key=True)
    slug = db.Column(db.String(140), nullable=False, unique=True)
    name = db.Column(db.String(140), nullable=False)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False)
    commune_insee = db.Column(db.String(5), db.ForeignKey("communes.insee"), nullable=False, index=True)
    address = db.Column(db.String(200), nullable=False, default="")
    description = db.Column(db.Text, nullable=False, default="")
    phone = db.Column(db.String(30), nullable=False, default="")
    email = db.Column(db.String(254), nullable=False, default="")
    website = db.Column(db.String(300), nullable=False, default="")
    accepts_card = db.Column(db.Boolean, nullable=False, default=True)
    siret = db.Column(db.String(14), nullable=True)
    iban = db.Column(db.String(34), nullable=True)
    # {"mon": [["09:00", "12:00"], ["14:00", "19:00"]], ...}; a missing day means closed.
    opening_hours = db.Column(db.JSON, nullable=False, default=dict)
    status = db.Column(db.String(12), nullable=False, default="pending", index=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    photo_key = db.Column(db.String(64), nullable=True)  # marketplace.images content key
    review_message = db.Column(db.Text, nullable=False, default="")  # the admin's reason for a refusal
    # "Ne pas partager mes fiches produits": its listings stay out of the territory's barcode
    # reference (marketplace/product_reference.py), which pre-fills other shops' product forms.
    private_listings = db.Column(db.Boolean, nullable=False, default=False, server_default=db.false())
    # The owner gets the week's summary by e-mail on Monday (marketplace/shop_overview.py).
    weekly_summary = db.Column(db.Boolean, nullable=False, default=True, server_default=db.true())
    summary_sent_for = db.Column(db.Date, nullable=True)  # the Monday of the last week summarised (once each)
    reviewed_at = db.Column(db.DateTime, nullable=True)
    # A business that sells no catalogue (artisan, service, small industry: issue 22) says what it
    # does; the search finds it by these words, next to the products.
    kind = db.Column(db.String(10), nullable=False, default="commerce", server_default="commerce")  # SHOP_KINDS
    services = db.Column(db.Text, nullable=False, default="", server_default="")  # one service per line
    keywords = db.Column(db.String(500), nullable=False, default="", server_default="")  # comma-separated
    area_radius_km = db.Column(db.Integer, nullable=True)  # area served: this far around its commune
    area_communes = db.Column(db.JSON, nullable=True)  # and/or these communes (INSEE codes)
    # The consumer mediator the shop belongs to: the law has it given to its customers (its page).
    mediator_name = db.Column(db.String(200), nullable=False, default="", server_default="")
    mediator_url = db.Column(db.String(300), nullable=False, default="", server_default="")

    category = db.relationship("Category")
    commune = db.relationship("Commune", back_populates="shops")
    members = db.relationship("ShopMember", back_populates="shop", cascade="all, delete-orphan")
    products = db.relationship("Product", back_populates="shop", lazy="dynamic")
    closures = db.relationship("ShopClosure", back_populates="shop", cascade="all, delete-orphan",
                               order_by="ShopClosure.starts_on")

    @property
    def is_public(self) -> bool:
        return self.status == "approved"

    @hybrid_property
    def takes_card(self) -> bool:
        """The territorial card pays here: an approved shop that accepts it (in Python and in SQL,
        where the till's one-call redemption reads it: marketplace/card_acceptance.py)."""
        return self.status == "approved" and self.accepts_card

    @takes_card.inplace.expression
    @classmethod
    def _takes_card_expression(cls):
        return db.and_(cls.status == "approved", cls.accepts_card)

    @property
    def offers_services(self) -> bool:
        return self.kind == "services"

    @property
    def has_catalogue(self) -> bool:
        """Whether its team gets the catalogue's tools (products, imports, feeds, unmet searches)."""
        return not self.offers_services

    @property
    def service_list(self) -> list[str]:
        return [line.strip(" -•\t") for line in (self.services or "").splitlines() if line.strip(" -•\t")]

    @property
    def keyword_list(self) -> list[str]:
        return [word.strip() for word in (self.keywords or "").split(",") if word.strip()]

    def __repr__(self) -> str:
        return f"<Shop {self.slug}>"


class ShopMember(db.Model):
    __tablename__ = "shop_members"
    __table_args__ = (db.UniqueConstraint("shop_id", "user_id"),)

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=False, index=True)
    role = db.Column(db.String(10), nullable=False)  # owner | staff | cashier

    shop = db.relationship("Shop", back_populates="members")
    user = db.relationship("User", back_populates="shop_memberships")


class Product(db.Model):
    __tablename__ = "products"
    __table_args__ = (db.UniqueConstraint("shop_id", "sku"),)

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id"), nullable=False, index=True)
    category_id = db.Column(db.Integer, db.ForeignKey("categories.id"), nullable=False, index=True)
    name = db.Column(db.String(200), nullable=False)
    description = db.Column(db.Text, nullable=False, default="")
    price_cents = db.Column(db.Integer, nullable=False)
    unit = db.Column(db.String(30), nullable=False, default="")
    stock = db.Column(db.Integer, nullable=True)  # None: made to order ("sur commande")
    sku = db.Column(db.String(60), nullable=True)
    ean = db.Column(db.String(14), nullable=True, index=True)
    active = db.Column(db.Boolean, nullable=False, default=True)
    # Set when the territory admin hides the product after a report: while set, `active` stays False
    # and the shop cannot switch it back on (only the admin's "Rétablir" clears it).
    hidden_by_admin_at = db.Column(db.DateTime, nullable=True)
    hidden_reason = db.Column(db.String(200), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    updated_at = db.Column(db.DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    shop = db.relationship("Shop", back_populates="products")
    category = db.relationship("Category")
    images = db.relationship("ProductImage", back_populates="product", cascade="all, delete-orphan",
                             order_by="ProductImage.position")

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.stock > 0

    @property
    def hidden_by_admin(self) -> bool:
        return self.hidden_by_admin_at is not None

    @property
    def hidden_reason_label(self):
        """Why the territory hid it, in the reader's language (`hidden_reason` holds a report reason code)."""
        from marketplace.models.territory_admin import REPORT_REASONS

        return REPORT_REASONS.get(self.hidden_reason, self.hidden_reason)

    @hybrid_property
    def on_sale(self) -> bool:
        """The one product-level visibility predicate (public pages, cart, orders, search): the
        shop's "En ligne" switch, unless the territory hid the product."""
        return self.active and self.hidden_by_admin_at is None

    @on_sale.inplace.expression
    @classmethod
    def _on_sale_expression(cls):
        return db.and_(cls.active.is_(True), cls.hidden_by_admin_at.is_(None))

    @property
    def is_public(self) -> bool:
        """Whether residents may see, find and buy it: on sale in a public shop (in SQL:
        `public_product_clause`)."""
        return self.on_sale and self.shop.is_public

    def __repr__(self) -> str:
        return f"<Product {self.id} {self.name}>"


class ProductImage(db.Model):
    """A photo of a product; `key` names its files in the media store (marketplace/images.py)."""

    __tablename__ = "product_images"

    id = db.Column(db.Integer, primary_key=True)
    product_id = db.Column(db.Integer, db.ForeignKey("products.id", ondelete="CASCADE"), nullable=False,
                           index=True)
    key = db.Column(db.String(64), nullable=False)
    position = db.Column(db.Integer, nullable=False, default=0)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)

    product = db.relationship("Product", back_populates="images")


class ShopClosure(db.Model):
    """An exceptional closure (holidays, stocktaking…), both days included."""

    __tablename__ = "shop_closures"

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False, index=True)
    starts_on = db.Column(db.Date, nullable=False)
    ends_on = db.Column(db.Date, nullable=False)
    reason = db.Column(db.String(200), nullable=False, default="")

    shop = db.relationship("Shop", back_populates="closures")


class ShopInvitation(db.Model):
    """An invitation sent by a shop owner to join the shop as staff or cashier.

    Only the SHA-256 of the emailed token is stored; accepting it creates the ShopMember.
    """

    __tablename__ = "shop_invitations"

    id = db.Column(db.Integer, primary_key=True)
    shop_id = db.Column(db.Integer, db.ForeignKey("shops.id", ondelete="CASCADE"), nullable=False, index=True)
    email = db.Column(db.String(254), nullable=False)
    role = db.Column(db.String(10), nullable=False)  # staff | cashier
    token_hash = db.Column(db.String(64), nullable=False, unique=True)
    invited_by_id = db.Column(db.Integer, db.ForeignKey("users.id"), nullable=True)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    accepted_at = db.Column(db.DateTime, nullable=True)

    shop = db.relationship("Shop")


def public_product_clause(product=Product, shop=Shop):
    """Product.is_public in SQL, for a statement that joins the product's shop: the one rule of
    "residents can see and find it" for the catalogue pages, the statistics and both search
    backends (the PostgreSQL triggers hold its SQL, see search.postgres_backend)."""
    return db.and_(product.on_sale, shop.status == "approved")
