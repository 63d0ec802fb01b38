"""The short addresses a team is told ("sur la tablette, ouvrez halle.fr/caisse"): /caisse/,
/boutique/, /entreprise/, /guichet/, /union/ and /commune-gestion/ open the user's own till, shop,
HR space, card counter, merchants' association or commune; with several, a page to choose; with
none, what to do to get one. A visitor not logged in is asked to first, and comes back here."""
from flask import redirect, render_template, url_for

from marketplace.access import spaces_of
from marketplace.i18n import lazy_gettext
from marketplace.models.shops import OWNER, STAFF


def _open(places: list[tuple[str, str]], title, empty, action: tuple | None = None):
    """The one place, or the page that lists them (or says there is none)."""
    if len(places) == 1:
        return redirect(places[0][1])
    places = sorted(places, key=lambda place: place[0].casefold())
    return render_template("account/short_address.html", title=title, places=places, empty=empty, action=action)


def open_till(user):
    return _open([(m.shop.name, url_for("till.index", shop_id=m.shop_id)) for m in user.shop_memberships],
                 lazy_gettext("Choisir une caisse"),
                 lazy_gettext("Votre compte ne tient la caisse d'aucun commerce. Le propriétaire du commerce vous y "
                              "invite depuis la page « Équipe » de son commerce, avec votre adresse e-mail."))


def open_shop(user):
    return _open([(m.shop.name, url_for("shop.dashboard", shop_id=m.shop_id)) for m in user.shop_memberships
                  if m.role in (OWNER, STAFF)],
                 lazy_gettext("Choisir un commerce"),
                 lazy_gettext("Votre compte ne gère aucun commerce. Le propriétaire d'un commerce vous invite dans "
                              "son équipe depuis sa page « Équipe » ; vous pouvez aussi inscrire le vôtre."),
                 (lazy_gettext("Inscrire mon commerce"), url_for("shop.create")))


def open_employer(user):
    return _open([(m.employer.name, url_for("employer.dashboard", employer_id=m.employer_id))
                  for m in user.employer_memberships],
                 lazy_gettext("Choisir une entreprise"),
                 lazy_gettext("Votre compte n'a accès à l'espace RH d'aucune entreprise. Une personne de cet espace "
                              "vous y invite avec votre adresse e-mail ; vous pouvez aussi inscrire votre entreprise."),
                 (lazy_gettext("Inscrire mon entreprise"), url_for("employer.register")))


# The spaces the territory names people to (marketplace.access.spaces_of): their list's title, and
# what to do without one.
_SPACES = {
    "counter": (lazy_gettext("Choisir un point de vente de cartes"),
                lazy_gettext("Votre compte ne vend des cartes dans aucun point de vente. L'administration du "
                             "territoire, ou l'union commerciale du point de vente, vous y ajoute avec votre adresse "
                             "e-mail.")),
    "association": (lazy_gettext("Choisir une union commerciale"),
                    lazy_gettext("Votre compte ne gère aucune union commerciale. L'administration du territoire nomme "
                                 "leurs gestionnaires avec leur adresse e-mail.")),
    "commune": (lazy_gettext("Choisir une commune"),
                lazy_gettext("Votre compte ne gère les programmes d'aucune commune. L'administration du territoire "
                             "nomme leurs gestionnaires avec leur adresse e-mail.")),
}


def open_space(user, kind: str):
    """/guichet/, /union/, /commune-gestion/: the user's card counter, association or commune."""
    title, empty = _SPACES[kind]
    return _open([(space.name, space.url) for space in spaces_of(user) if space.kind == kind], title, empty)
