"""Products residents report ("Signaler ce produit"), and what the admin does with a report:
dismiss it (the reporter, if known, is told) or hide the product (it leaves the shop's pages and
the search index through the outbox; the shop's owners are told why)."""
from flask_babel import gettext
from sqlalchemy import select

from marketplace import audit
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import Product, ProductReport
from marketplace.models.base import utcnow
from marketplace.models.territory_admin import REPORT_REASONS
from marketplace.shops import owner_emails


class ReportError(Exception):
    pass


def report_product(product: Product, *, reason: str, comment: str = "", reporter=None) -> ProductReport:
    if reason not in REPORT_REASONS:
        raise ReportError(gettext("Motif : cochez l’une des raisons."))
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ReportError(gettext("Commentaire : 500 caractères au plus."))
    report = ProductReport(product_id=product.id, reason=reason, comment=comment,
                           reporter_id=getattr(reporter, "id", None) if getattr(reporter, "is_authenticated", False)
                           else None)
    db.session.add(report)
    db.session.commit()
    return report


def open_reports(limit: int = 50) -> list[ProductReport]:
    return list(db.session.scalars(select(ProductReport).where(ProductReport.status == "open")
                                   .order_by(ProductReport.created_at, ProductReport.id).limit(limit)))


def _close(report: ProductReport, status: str, actor) -> None:
    if report.status != "open":
        raise ReportError(gettext("Ce signalement est déjà traité."))
    report.status, report.handled_at, report.handled_by_id = status, utcnow(), getattr(actor, "id", None)


def dismiss(report: ProductReport, *, actor) -> None:
    _close(report, "dismissed", actor)
    audit.record("report.dismiss", report, actor=actor, before={"status": "open"},
                 after={"status": "dismissed", "reason": report.reason},
                 summary=f"Signalement de « {report.product.name} » classé sans suite")
    db.session.commit()
    if report.reporter is not None:
        send_mail(report.reporter.email, lazy_gettext("Votre signalement sur Halle"),
                  lazy_gettext("Bonjour,\n\nMerci pour votre signalement de « %(product)s ». L'administration du "
                               "territoire l'a examiné et n'a pas retiré le produit.\n\nHalle",
                               product=report.product.name))


def hide_product(report: ProductReport, *, actor) -> int:
    """Hide the reported product and close every open report about it; returns how many."""
    product = report.product
    others = db.session.scalars(select(ProductReport).where(ProductReport.product_id == product.id,
                                                            ProductReport.status == "open")).all()
    for each in others:
        _close(each, "hidden", actor)
    product.active = False  # the ORM change writes the search outbox row in this transaction
    product.hidden_by_admin_at, product.hidden_reason = utcnow(), report.reason
    audit.record("product.hide", product, actor=actor, before={"active": True, "hidden_reason": None},
                 after={"active": False, "hidden_reason": report.reason},
                 summary=f"« {product.name} » ({product.shop.name}) masqué après signalement")
    db.session.commit()
    owners = owner_emails(product.shop)
    if report.comment:
        body = lazy_gettext("Bonjour,\n\nL'administration du territoire a masqué votre produit « %(product)s » après "
                            "un signalement (motif : %(reason)s — « %(comment)s »).\nIl n'apparaît plus sur Halle ni "
                            "dans la recherche. Répondez à ce message pour en parler.\n\nHalle",
                            product=product.name, reason=report.reason_label, comment=report.comment)
    else:
        body = lazy_gettext("Bonjour,\n\nL'administration du territoire a masqué votre produit « %(product)s » après "
                            "un signalement (motif : %(reason)s).\nIl n'apparaît plus sur Halle ni dans la recherche. "
                            "Répondez à ce message pour en parler.\n\nHalle",
                            product=product.name, reason=report.reason_label)
    for email in owners:
        send_mail(email, lazy_gettext("« %(product)s » est masqué sur Halle", product=product.name), body)
    return len(others)


def hidden_products() -> list[Product]:
    """Products the territory hid, most recent first (the admin can restore them)."""
    return list(db.session.scalars(select(Product).where(Product.hidden_by_admin_at.is_not(None))
                                   .order_by(Product.hidden_by_admin_at.desc(), Product.id.desc())))


def unhide_product(product: Product, *, actor) -> None:
    """Lift the territory's hiding: the product is back on sale and in the search (outbox/trigger)."""
    if not product.hidden_by_admin:
        raise ReportError(gettext("Ce produit n'est pas masqué par le territoire."))
    reason = product.hidden_reason
    product.hidden_by_admin_at, product.hidden_reason, product.active = None, None, True
    audit.record("product.unhide", product, actor=actor, before={"active": False, "hidden_reason": reason},
                 after={"active": True, "hidden_reason": None},
                 summary=f"« {product.name} » ({product.shop.name}) rétabli par le territoire")
    db.session.commit()
    for email in owner_emails(product.shop):
        send_mail(email, lazy_gettext("« %(product)s » est de nouveau visible sur Halle", product=product.name),
                  lazy_gettext("Bonjour,\n\nL'administration du territoire a rétabli votre produit « %(product)s » : "
                               "il est de nouveau en ligne et dans la recherche.\n\nHalle", product=product.name))
