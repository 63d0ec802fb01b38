"""The audit log of admin actions: who did what, when, and the state before and after.

`record` adds the event to the session; it is committed with the change it describes. The summary
is written once, in French, for the record: a value that has a code (a report reason, a status) goes
in `before`/`after` as its code, not as a label translated into the language of whoever acted.
"""
import json
from dataclasses import dataclass
from types import SimpleNamespace

from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import select

from marketplace.exports import csv_document
from marketplace.extensions import db
from marketplace.formatting import money
from marketplace.i18n import lazy_gettext
from marketplace.models import AuditEvent
from marketplace.text_search import whole_text_in


# The actor of what Halle decides by itself (a periodic job's rule), even when an admin's button ran the job.
SYSTEM = SimpleNamespace(id=None, email="system")


def record(action: str, target, *, summary: str = "", before: dict | None = None, after: dict | None = None,
           actor=None) -> AuditEvent:
    """Log `action` ("shop.suspend") on `target` (a model instance, or None for the territory as
    a whole) by `actor` (default: the logged-in user, else "system")."""
    actor = actor if actor is not None else (current_user if current_user and current_user.is_authenticated
                                             else None)
    event = AuditEvent(actor_id=getattr(actor, "id", None), actor=getattr(actor, "email", "system"),
                       action=action, target_type=type(target).__name__ if target is not None else "Territory",
                       target_id=getattr(target, "id", None),
                       summary=summary[:500], before=before, after=after)
    db.session.add(event)
    return event


def search_events(text: str = "", limit: int | None = 200) -> list[AuditEvent]:
    """The latest events whose actor, action, target or summary contains `text` (text_search)."""
    query = (select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
             .where(whole_text_in(text, AuditEvent.actor, AuditEvent.action, AuditEvent.target_type,
                                  AuditEvent.summary)))
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def events_csv(events: list[AuditEvent]) -> str:
    """The header in the reader's language; each event's summary as it was written."""
    header = [gettext("date (UTC)"), gettext("auteur"), gettext("action"), gettext("objet"), "id",
              gettext("résumé"), gettext("avant"), gettext("après")]
    return csv_document([header, *([e.created_at.isoformat(timespec="seconds"), e.actor, e.action, e.target_type,
                                    e.target_id, e.summary,
                                    json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                                    json.dumps(e.after, ensure_ascii=False) if e.after is not None else ""]
                                   for e in events)])


# --- reading the log (/admin/journal): each code in words, for every row, old or new ---------------

#: What each action code means; an action missing here is shown as its code.
ACTION_LABELS = {
    "account.close": lazy_gettext("Compte fermé par son titulaire"),
    "accounting.chart": lazy_gettext("Plan comptable modifié"),
    "admin.add": lazy_gettext("Administrateur ajouté"),
    "admin.remove": lazy_gettext("Administrateur retiré"),
    "association.add_manager": lazy_gettext("Gestionnaire d'union commerciale ajouté"),
    "association.approve": lazy_gettext("Adhésion à une union commerciale acceptée"),
    "association.ask_to_join": lazy_gettext("Demande d'adhésion à une union commerciale"),
    "association.confirm": lazy_gettext("Adhésion à une union commerciale confirmée"),
    "association.counter": lazy_gettext("Point de vente d'une union commerciale"),
    "association.create": lazy_gettext("Union commerciale créée"),
    "association.invite_manager": lazy_gettext("Gestionnaire d'union commerciale invité"),
    "association.invite_shop": lazy_gettext("Commerce invité dans une union commerciale"),
    "association.remove": lazy_gettext("Commerce retiré d'une union commerciale"),
    "association.revoke_invitation": lazy_gettext("Invitation retirée"),
    "association.update": lazy_gettext("Union commerciale modifiée"),
    "bank.fee_label_forgotten": lazy_gettext("Libellé de frais bancaires oublié"),
    "bank.import": lazy_gettext("Relevé bancaire importé"),
    "bank.line_fee": lazy_gettext("Ligne de relevé inscrite en frais bancaires"),
    "bank.line_handled": lazy_gettext("Ligne de relevé traitée hors Halle"),
    "campaign.bank_transfer": lazy_gettext("Virement d'une campagne enregistré"),
    "card.adjust": lazy_gettext("Correction sur une carte"),
    "card.pin_unlock": lazy_gettext("Code PIN déverrouillé"),
    "card.replace": lazy_gettext("Carte remplacée"),
    "category.create": lazy_gettext("Catégorie créée"),
    "category.merge": lazy_gettext("Catégories fusionnées"),
    "category.move": lazy_gettext("Catégorie déplacée"),
    "category.rename": lazy_gettext("Catégorie renommée"),
    "commune.add_manager": lazy_gettext("Gestionnaire de commune ajouté"),
    "commune.invite_manager": lazy_gettext("Gestionnaire de commune invité"),
    "commune.remove": lazy_gettext("Commune retirée du territoire"),
    "commune.remove_manager": lazy_gettext("Gestionnaire de commune retiré"),
    "commune.revoke_invitation": lazy_gettext("Invitation retirée"),
    "counter.accept_invitation": lazy_gettext("Invitation de vendeur acceptée"),
    "counter.add_seller": lazy_gettext("Vendeur ajouté"),
    "counter.close_day": lazy_gettext("Journée d'un point de vente close"),
    "counter.create": lazy_gettext("Point de vente cartes créé"),
    "counter.invite_seller": lazy_gettext("Vendeur invité"),
    "counter.revoke_invitation": lazy_gettext("Invitation retirée"),
    "counter.sale": lazy_gettext("Vente au point de vente"),
    "counter.void": lazy_gettext("Vente annulée"),
    "employer.approve": lazy_gettext("Entreprise validée"),
    "employer.reinstate": lazy_gettext("Entreprise rétablie"),
    "employer.reject": lazy_gettext("Entreprise refusée"),
    "employer.revoke_invitation": lazy_gettext("Invitation retirée"),
    "employer.suspend": lazy_gettext("Entreprise suspendue"),
    "employer.update": lazy_gettext("Coordonnées de l'entreprise modifiées"),
    "gift.refund": lazy_gettext("Carte cadeau remboursée"),
    "ledger.close_month": lazy_gettext("Mois clôturé"),
    "locker.deposit_cancelled": lazy_gettext("Dépôt en consigne annulé"),
    "locker.parcel_reminder": lazy_gettext("Commerce prévenu d'un colis à reprendre"),
    "product.hide": lazy_gettext("Produit masqué"),
    "product.unhide": lazy_gettext("Produit rétabli"),
    "report.dismiss": lazy_gettext("Signalement classé sans suite"),
    "settings.accountant": lazy_gettext("Cabinet comptable modifié"),
    "settings.associations": lazy_gettext("Réglage des unions commerciales modifié"),
    "settings.card": lazy_gettext("Réglages de la carte modifiés"),
    "settlement.cancel": lazy_gettext("Règlement annulé"),
    "settlement.create": lazy_gettext("Règlement préparé"),
    "settlement.pay": lazy_gettext("Règlement marqué payé"),
    "settlement.recompute": lazy_gettext("Règlement recalculé"),
    "shop.approve": lazy_gettext("Commerce validé"),
    "shop.reinstate": lazy_gettext("Commerce rétabli"),
    "shop.reject": lazy_gettext("Commerce refusé"),
    "shop.rename": lazy_gettext("Commerce renommé"),
    "shop.revoke_invitation": lazy_gettext("Invitation retirée"),
    "shop.services_off_sale": lazy_gettext("Produits d'une entreprise de services retirés de la vente"),
    "shop.suspend": lazy_gettext("Commerce suspendu"),
    "stripe.payout_difference": lazy_gettext("Écart sur un versement Stripe"),
    "territory.import": lazy_gettext("Communes importées"),
    "topup_programme.create": lazy_gettext("Programme d'abondement créé"),
    "topup_programme.update": lazy_gettext("Programme d'abondement modifié"),
}

#: The kind of object an event is about, by its model's class name.
TARGET_LABELS = {
    "Association": lazy_gettext("Union commerciale"),
    "BankFeeLabel": lazy_gettext("Libellé de frais bancaires"),
    "BankLine": lazy_gettext("Ligne de relevé"),
    "BankStatement": lazy_gettext("Relevé bancaire"),
    "Campaign": lazy_gettext("Campagne"),
    "Card": lazy_gettext("Carte"),
    "CardCounter": lazy_gettext("Point de vente cartes"),
    "Category": lazy_gettext("Catégorie"),
    "Commune": lazy_gettext("Commune"),
    "CommuneManager": lazy_gettext("Gestionnaire de commune"),
    "CreditPurchase": lazy_gettext("Vente de cartes"),
    "CreditPurchaseItem": lazy_gettext("Carte cadeau achetée"),
    "Employer": lazy_gettext("Entreprise"),
    "LockerDeposit": lazy_gettext("Dépôt en consigne"),
    "OrderShop": lazy_gettext("Commande"),
    "Product": lazy_gettext("Produit"),
    "ProductReport": lazy_gettext("Signalement"),
    "SettlementRun": lazy_gettext("Règlement"),
    "Shop": lazy_gettext("Commerce"),
    "TerritorySettings": lazy_gettext("Réglages du territoire"),
    "TopUpProgramme": lazy_gettext("Programme d'abondement"),
    "User": lazy_gettext("Compte"),
}

#: The fields of `before`/`after`, in words; a field missing here is shown as its key.
FIELD_LABELS = {
    "active": lazy_gettext("visible"),
    "address": lazy_gettext("adresse"),
    "association_members_need_admin": lazy_gettext("adhésions confirmées par l'administration"),
    "bank_line": lazy_gettext("ligne de relevé"),
    "card": lazy_gettext("carte bancaire (terminal)"),
    "cash": lazy_gettext("espèces"),
    "cheque": lazy_gettext("chèque"),
    "card_prefix": lazy_gettext("préfixe des cartes"),
    "closed_through": lazy_gettext("clôturé jusqu'au"),
    "commission": lazy_gettext("commission"),
    "commission_bps": lazy_gettext("commission (points de base)"),
    "created": lazy_gettext("ajoutées"),
    "departements": lazy_gettext("départements"),
    "ends_on": lazy_gettext("dernier jour"),
    "epci": lazy_gettext("EPCI"),
    "gross": lazy_gettext("brut"),
    "hidden_reason": lazy_gettext("motif du masquage"),
    "insee": lazy_gettext("code INSEE"),
    "is_admin": lazy_gettext("administrateur"),
    "merged_into": lazy_gettext("fusionnée dans"),
    "month": lazy_gettext("mois"),
    "name": lazy_gettext("nom"),
    "parent": lazy_gettext("catégorie parente"),
    "payout": lazy_gettext("à verser"),
    "period": lazy_gettext("période"),
    "pin_lock_minutes": lazy_gettext("verrouillage du PIN (minutes)"),
    "pin_required_above_cents": lazy_gettext("PIN exigé au-delà de"),
    "products": lazy_gettext("produits"),
    "reason": lazy_gettext("motif"),
    "received_cents": lazy_gettext("montant reçu"),
    "reference": lazy_gettext("référence"),
    "settlement_cadence": lazy_gettext("rythme des règlements"),
    "siret": lazy_gettext("SIRET"),
    "slug": lazy_gettext("identifiant"),
    "starts_on": lazy_gettext("premier jour"),
    "statements": lazy_gettext("relevé du commerce"),
    "status": lazy_gettext("état"),
    "unchanged": lazy_gettext("inchangées"),
    "updated": lazy_gettext("mises à jour"),
}
# and every field whose key ends in _cents; cash, cheque, card: a counter's day by means of payment
_MONEY_FIELDS = {"gross", "commission", "payout", "cash", "cheque", "card"}

#: The states written in `status` fields, in words; a state missing here is shown as its code.
STATUS_LABELS = {
    "admin": lazy_gettext("à confirmer par l'administration"),
    "approved": lazy_gettext("validé"),
    "awaiting_payment": lazy_gettext("en attente de paiement"),
    "cancelled": lazy_gettext("annulé"),
    "dismissed": lazy_gettext("classé sans suite"),
    "draft": lazy_gettext("brouillon"),
    "funded": lazy_gettext("financé"),
    "invited": lazy_gettext("invité"),
    "issued": lazy_gettext("émis"),
    "member": lazy_gettext("membre"),
    "open": lazy_gettext("ouvert"),
    "paid": lazy_gettext("payé"),
    "pending": lazy_gettext("en attente"),
    "rejected": lazy_gettext("refusé"),
    "requested": lazy_gettext("demandé"),
    "suspended": lazy_gettext("suspendu"),
    "voided": lazy_gettext("annulé"),
}


@dataclass(frozen=True)
class Change:
    """One line of « Avant → après »: a field, its value before and after, in words."""

    field: str
    before: str
    after: str


@dataclass(frozen=True)
class JournalRow:
    """One event as the journal shows it."""

    event: AuditEvent
    action: str
    target: str
    changes: list[Change]


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def target_label(target_type: str, target_id: int | None) -> str:
    """« Programme d'abondement n° 1 »; « Territoire » for the territory as a whole."""
    if target_type == "Territory":
        return gettext("Territoire")
    kind = str(TARGET_LABELS.get(target_type, target_type))
    return gettext("%(kind)s n° %(id)s", kind=kind, id=target_id) if target_id is not None else kind


def _flat(value, path: tuple = ()) -> dict[tuple, object]:
    if isinstance(value, dict):
        flat = {}
        for key, inner in value.items():
            flat.update(_flat(inner, (*path, str(key))))
        return flat
    return {path: value}


def _value(key: str, value) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return gettext("oui") if value else gettext("non")
    if isinstance(value, int) and (key.endswith("_cents") or key in _MONEY_FIELDS):
        return money(value)
    if isinstance(value, list):
        return ", ".join(_value(key, item) for item in value) or "—"
    if key == "status":
        return str(STATUS_LABELS.get(value, value))
    return str(value)


def changes(before: dict | None, after: dict | None) -> list[Change]:
    """The fields that changed, each « champ : ancien → nouveau » (nested values by their path);
    all of a side's fields when the other side is missing (a creation, a removal); none when
    nothing changed."""
    old, new = _flat(before or {}), _flat(after or {})
    lines = []
    for path in [*old, *(p for p in new if p not in old)]:
        if path and old.get(path) != new.get(path):
            field = " › ".join(str(FIELD_LABELS.get(part, part)) for part in path)
            lines.append(Change(field, _value(path[-1], old.get(path)), _value(path[-1], new.get(path))))
    return lines


def journal_rows(events: list[AuditEvent]) -> list[JournalRow]:
    """The events in words: each action's label, its object named, what changed. The stored
    summaries stay as they were written."""
    return [JournalRow(e, action_label(e.action), target_label(e.target_type, e.target_id),
                       changes(e.before, e.after)) for e in events]
