"""The one access-control mechanism, and the one home of the roles and what each may do: every
view declares one of the named policies below with @access(...).

A before_request hook enforces the policy of the endpoint being called. A view that declares
no policy is refused (deny by default). PREFIX_POLICIES says which policies each protected part
of the site may use; tests/test_access.py reads it and the policies, enumerates every route and
checks each role against the declared policy.
"""
from dataclasses import dataclass
from typing import Callable

from flask import abort, current_app, request
from flask_babel import gettext
from flask_login import current_user

from marketplace.api.blueprint import error_response
from marketplace.extensions import db, login_manager
from marketplace.models.shops import CASHIER, OWNER, STAFF


@dataclass(frozen=True)
class Policy:
    """Who may call a view. `check(user, view_args)` is only called for logged-in users."""

    name: str
    login_required: bool
    check: Callable = lambda user, view_args: True
    api_key: bool = False  # authenticated by a shop API key (Authorization: Bearer …), not a session
    authenticate: Callable | None = None  # another API key check than the shop's (answers 401 or None)
    catalogue: bool = False  # a tool of the `shop_id` shop's catalogue: not for a business without one

    def allows(self, user, view_args: dict) -> bool:
        if not self.login_required:
            return True
        if user is None or not user.is_authenticated:
            return False
        return bool(self.check(user, view_args))


PUBLIC = Policy("public", login_required=False)
AUTHENTICATED = Policy("authenticated", login_required=True)
ADMIN = Policy("admin", login_required=True, check=lambda user, args: user.is_admin)
# The till software of a shop: the key decides the shop (g.api_key.shop_id).
SHOP_API_KEY = Policy("shop_api_key", login_required=False, api_key=True)


def shop_member(*roles: str, catalogue: bool = False) -> Policy:
    """A member of the shop named by the `shop_id` URL argument, with one of `roles`; with
    `catalogue`, a tool of its catalogue, which a business without one (Shop.has_catalogue) is
    not given whatever its role (enforce_access sends it to its dashboard)."""
    from marketplace.models import Shop

    def check(user, view_args):
        shop_id = view_args["shop_id"]
        if db.session.get(Shop, shop_id) is None:
            abort(404)
        return user.shop_role(shop_id) in roles

    return Policy(f"shop:{'|'.join(roles)}{'+catalogue' if catalogue else ''}", login_required=True, check=check,
                  catalogue=catalogue)


def employer_member() -> Policy:
    """An HR member of the employer named by the `employer_id` URL argument."""
    from marketplace.models import Employer

    def check(user, view_args):
        employer_id = view_args["employer_id"]
        if db.session.get(Employer, employer_id) is None:
            abort(404)
        return user.is_employer_member(employer_id)

    return Policy("employer", login_required=True, check=check)


def counter_member() -> Policy:
    """A seller of the card counter named by the `counter_id` URL argument (marketplace/counters.py)."""
    from marketplace.counters import is_seller
    from marketplace.models import CardCounter

    def check(user, view_args):
        counter_id = view_args["counter_id"]
        if db.session.get(CardCounter, counter_id) is None:
            abort(404)
        return is_seller(user, counter_id)

    return Policy("counter", login_required=True, check=check)


def association_manager() -> Policy:
    """A manager of the merchants' association named by the `association_id` URL argument; a
    `shop_id` argument must name one of its members (else 404: nothing of other shops shows)."""
    from marketplace.associations import is_manager
    from marketplace.models import Association, AssociationMember

    def check(user, view_args):
        association_id = view_args["association_id"]
        if db.session.get(Association, association_id) is None:
            abort(404)
        if not is_manager(user, association_id):
            return False
        if "shop_id" in view_args and db.session.query(AssociationMember.id).filter_by(
                association_id=association_id, shop_id=view_args["shop_id"]).first() is None:
            abort(404)
        return True

    return Policy("association", login_required=True, check=check)


def commune_manager() -> Policy:
    """A programme manager of the commune named by the `insee` URL argument (marketplace/commune_managers.py)."""
    from marketplace.commune_managers import is_manager
    from marketplace.models import Commune

    def check(user, view_args):
        insee = view_args["insee"]
        if db.session.get(Commune, insee) is None:
            abort(404)
        return is_manager(user, insee)

    return Policy("commune", login_required=True, check=check)


# --- The roles and what each may do ------------------------------------------------------------
# The territory's admin (User.is_admin) has ADMIN. A shop's members have one role each (OWNER,
# STAFF, CASHIER: ShopMember.role): the owner everything of the shop, the staff the catalogue,
# orders, feeds and lockers, the cashier the till only; a business without a catalogue (kind
# services) has no catalogue tools (products, imports, exports, feeds: SHOP_CATALOGUE). HR members
# of a company have EMPLOYER_HR on it, sellers of a card counter COUNTER_SELLER on it, managers of a
# merchants' association ASSOCIATION_MANAGER on it (its members, programmes, counters and figures),
# a commune's programme managers COMMUNE_MANAGER on it (its own top-up programmes).
SHOP_OWNER = shop_member(OWNER)
SHOP_TEAM = shop_member(OWNER, STAFF)
SHOP_CATALOGUE = shop_member(OWNER, STAFF, catalogue=True)
SHOP_TILL = shop_member(OWNER, STAFF, CASHIER)
EMPLOYER_HR = employer_member()
COUNTER_SELLER = counter_member()
ASSOCIATION_MANAGER = association_manager()
COMMUNE_MANAGER = commune_manager()

# The policies each protected part of the site may use (anything else there is a mistake).
PREFIX_POLICIES = {
    "/admin": {ADMIN},
    "/boutique/<int:shop_id>": {SHOP_TEAM, SHOP_CATALOGUE, SHOP_OWNER},
    "/caisse/<int:shop_id>": {SHOP_TILL, SHOP_OWNER},
    "/entreprise/<int:employer_id>": {EMPLOYER_HR},
    "/compte": {AUTHENTICATED},
    "/guichet/<int:counter_id>": {COUNTER_SELLER},
    "/union/<int:association_id>": {ASSOCIATION_MANAGER},
    "/commune-gestion/<insee>": {COMMUNE_MANAGER},
}


def access(policy: Policy):
    """Declare the access policy of a view function."""

    def decorator(view):
        view.access_policy = policy
        return view

    return decorator


def policy_for(endpoint: str | None) -> Policy | None:
    if endpoint is None:
        return None
    if endpoint == "static" or endpoint.endswith(".static"):
        return PUBLIC
    view = current_app.view_functions.get(endpoint)
    return getattr(view, "access_policy", None)


def enforce_access():
    """before_request hook: apply the endpoint's declared policy."""
    if request.endpoint is None:  # 404 / 405: let Flask answer
        return None
    policy = policy_for(request.endpoint)
    if policy is None:
        current_app.logger.error("endpoint %s declares no access policy", request.endpoint)
        abort(403)
    if policy.api_key:
        return (policy.authenticate or _authenticate_api_key)()
    if policy.allows(current_user, request.view_args or {}):
        return _without_catalogue(request.view_args["shop_id"]) if policy.catalogue else None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    abort(403)


def _without_catalogue(shop_id: int):
    """A catalogue tool asked for a business without a catalogue (an address typed, an old
    bookmark): nothing is done, whatever the method; the page goes to its dashboard, which says
    why (a client asking for JSON, the barcode look-up, gets 403). None for a shop with one."""
    from flask import flash, redirect, url_for

    from marketplace.models import Shop

    if db.session.get(Shop, shop_id).has_catalogue:
        return None
    if request.accept_mimetypes.best == "application/json":
        abort(403)
    flash(gettext("Votre fiche est celle d'une entreprise de services : elle n'a pas de catalogue de produits. "
                  "Pour vendre des produits, le propriétaire de la fiche choisit « Je vends des produits » dans "
                  "Informations."), "info")
    return redirect(url_for("shop.dashboard", shop_id=shop_id))


def _authenticate_api_key():
    from flask import g

    from marketplace.api_keys import authenticate_api_key

    header = request.headers.get("Authorization", "")
    key = authenticate_api_key(header[7:].strip() if header.startswith("Bearer ") else None)
    if key is None:
        response = error_response("unauthorized", gettext("Clé d'API absente, invalide ou révoquée."), 401)
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    g.api_key = key
    return None


@dataclass(frozen=True)
class Space:
    """A card counter, merchants' association or commune the user works for: `kind` is "counter",
    "association" or "commune", `key` the id (the INSEE code of a commune) and `name` its name."""

    kind: str
    key: str
    name: str

    @property
    def url(self) -> str:
        from flask import url_for

        if self.kind == "counter":
            return url_for("counter.index", counter_id=int(self.key))
        if self.kind == "association":
            return url_for("union.dashboard", association_id=int(self.key))
        return url_for("commune_space.programmes", insee=self.key)

    @property
    def label(self) -> str:
        if self.kind == "counter":
            return gettext("Guichet : %(name)s", name=self.name)
        if self.kind == "commune":
            return gettext("Commune : %(name)s", name=self.name)
        return self.name


def spaces_of(user) -> list[Space]:
    """The card counters the user sells at, the associations and the communes they manage, in
    that order, each kind the oldest first (one query, once per request): the header's menu, the
    account page and the landing page after login read them."""
    from flask import has_request_context, request
    from sqlalchemy import cast, literal, select, union_all

    from marketplace.models import (Association, AssociationManager, CardCounter, CardCounterMember, Commune,
                                    CommuneManager)

    if user is None or not user.is_authenticated:
        return []
    # Kept with the request (not in g, which a test's app context shares between requests).
    cache = request.environ.setdefault("halle.user_spaces", {}) if has_request_context() else {}
    if user.id in cache:
        return cache[user.id]
    query = union_all(
        select(literal("counter").label("kind"), literal(0).label("rank"), CardCounterMember.id.label("since"),
               cast(CardCounter.id, db.String).label("key"), CardCounter.name.label("name"))
        .join(CardCounterMember, CardCounterMember.counter_id == CardCounter.id)
        .where(CardCounterMember.user_id == user.id),
        select(literal("association"), literal(1), AssociationManager.id, cast(Association.id, db.String),
               Association.name)
        .join(AssociationManager, AssociationManager.association_id == Association.id)
        .where(AssociationManager.user_id == user.id),
        select(literal("commune"), literal(2), CommuneManager.id, Commune.insee, Commune.name)
        .join(CommuneManager, CommuneManager.commune_insee == Commune.insee)
        .where(CommuneManager.user_id == user.id),
    ).subquery()
    rows = db.session.execute(select(query.c.kind, query.c.key, query.c.name)
                              .order_by(query.c.rank, query.c.since)).all()
    spaces = cache[user.id] = [Space(row.kind, row.key, row.name) for row in rows]
    return spaces


def role_home_url(user) -> str:
    """Where a user lands after logging in: the page of their main role."""
    from flask import url_for

    if user.is_admin:
        return url_for("admin.dashboard")
    for membership in user.shop_memberships:
        if membership.role in (OWNER, STAFF):
            return url_for("shop.dashboard", shop_id=membership.shop_id)
    for membership in user.shop_memberships:
        if membership.role == CASHIER:
            return url_for("till.index", shop_id=membership.shop_id)
    for membership in user.employer_memberships:
        return url_for("employer.dashboard", employer_id=membership.employer_id)
    spaces = spaces_of(user)
    if spaces:
        return spaces[0].url
    return url_for("account.home")
