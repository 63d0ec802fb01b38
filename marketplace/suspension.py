"""Suspending a shop or an employer (and lifting it), with a reason, logged and emailed.

A suspended shop leaves the search index (the search outbox follows Shop changes) and its card
acceptance stops (the ledger only lets approved shops take the card). A suspended employer can
no longer create or fund campaigns (the employer pages require an approved employer).
"""
from marketplace import audit
from marketplace.extensions import db
from marketplace.mail import send_mail
from marketplace.models import Employer, Shop


class SuspensionError(Exception):
    pass


def suspend(target: Shop | Employer, reason: str, *, actor=None) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise SuspensionError("Indiquez le motif de la suspension.")
    if target.status != "approved":
        raise SuspensionError(f"{target.name} n'est pas actif : rien à suspendre.")
    before = {"status": target.status}
    target.status = "suspended"
    if isinstance(target, Shop):
        target.review_message = reason
    audit.record(f"{_kind(target)}.suspend", target, actor=actor, summary=f"{target.name} suspendu : {reason}",
                 before=before, after={"status": "suspended", "reason": reason})
    db.session.commit()
    for email in _emails(target):
        send_mail(email, f"{target.name} est suspendu sur Halle",
                  f"Bonjour,\n\nL'administration du territoire a suspendu {target.name} sur Halle pour la "
                  f"raison suivante :\n\n{reason}\n\nRépondez à ce message pour en parler.\n\nHalle")


def reinstate(target: Shop | Employer, *, actor=None) -> None:
    if target.status != "suspended":
        raise SuspensionError(f"{target.name} n'est pas suspendu.")
    target.status = "approved"
    if isinstance(target, Shop):
        target.review_message = ""
    audit.record(f"{_kind(target)}.reinstate", target, actor=actor, summary=f"{target.name} rétabli",
                 before={"status": "suspended"}, after={"status": "approved"})
    db.session.commit()
    for email in _emails(target):
        send_mail(email, f"{target.name} est rétabli sur Halle",
                  f"Bonjour,\n\n{target.name} est de nouveau actif sur Halle.\n\nHalle")


def _kind(target) -> str:
    return "shop" if isinstance(target, Shop) else "employer"


def _emails(target) -> list[str]:
    if isinstance(target, Shop):
        emails = [m.user.email for m in target.members if m.role == "owner"]
        return emails or ([target.email] if target.email else [])
    return [m.user.email for m in target.members] or ([target.billing_email] if target.billing_email else [])
