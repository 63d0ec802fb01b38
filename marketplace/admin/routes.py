from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user
from sqlalchemy import func, select

from config import LEGAL_SETTINGS
from marketplace import audit, bank_statements, lockers, product_reports, settlement_schedule, shops
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.admin.forms import ApproveShopForm, RejectShopForm
from marketplace.extensions import db
from marketplace.forms import ButtonForm, ConfirmForm
from marketplace.models import Campaign, CampaignPayment, Employer, Product, SettlementRun, Shop
from marketplace.territory import territory_summary


@bp.route("/")
@access(ADMIN)
def dashboard():
    return render_template(
        "admin/dashboard.html",
        summary=territory_summary(),
        pending_shops=Shop.query.filter_by(status="pending").count(),
        pending_employers=Employer.query.filter_by(status="pending").count(),
        pending_transfers=db.session.scalar(
            select(func.count()).select_from(CampaignPayment).join(Campaign)
            .where(CampaignPayment.method == "bank", CampaignPayment.status == "pending",
                   Campaign.status == "awaiting_payment")),
        draft_runs=db.session.scalars(select(SettlementRun).where(SettlementRun.status.in_(("draft", "paying"))).order_by(SettlementRun.id)).all(),
        suspended=Shop.query.filter_by(status="suspended").count() + Employer.query.filter_by(status="suspended").count(),
        reports=product_reports.open_reports(), hidden_products=product_reports.hidden_products(),
        locker_problems=lockers.locker_problems(), renames=shops.recent_renames(), button=ButtonForm(),
        confirm=ConfirmForm(), position=bank_statements.bank_position(), run_decisions=settlement_schedule.decisions,
        missing_legal=[name for name in LEGAL_SETTINGS if not current_app.config.get(name)],
    )


@bp.route("/produits/<int:product_id>/retablir", methods=["POST"])
@access(ADMIN)
def unhide_product(product_id: int):
    product = db.get_or_404(Product, product_id)
    if not ConfirmForm().validate_on_submit():
        flash(gettext("Cochez la case pour confirmer, puis réessayez."), "error")
        return redirect(url_for("admin.dashboard") + "#masques")
    try:
        product_reports.unhide_product(product, actor=current_user)
        flash(gettext("Produit rétabli : « %(name)s » ; le commerçant est prévenu par e-mail.", name=product.name),
              "success")
    except product_reports.ReportError as error:
        db.session.rollback()
        flash(str(error), "error")
    return redirect(url_for("admin.dashboard") + "#masques")


@bp.route("/commerces")
@access(ADMIN)
def shops_queue():
    return render_template("admin/shops.html", pending=shops.pending_shops())


@bp.route("/commerces/<int:shop_id>", methods=["GET", "POST"])
@access(ADMIN)
def review_shop(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    approve_form, reject_form = ApproveShopForm(prefix="approve"), RejectShopForm(prefix="reject")
    if approve_form.submit.data and approve_form.validate_on_submit():
        audit.record("shop.approve", shop, summary=f"{shop.name} validé", before={"status": shop.status},
                     after={"status": "approved"})
        shops.approve_shop(shop)
        flash(gettext("Commerce validé : %(name)s ; le commerçant est prévenu par e-mail.", name=shop.name), "success")
        return redirect(url_for("admin.shops_queue"))
    if reject_form.submit.data and reject_form.validate_on_submit():
        audit.record("shop.reject", shop, summary=f"{shop.name} refusé : {reject_form.message.data.strip()}",
                     before={"status": shop.status}, after={"status": "rejected"})
        shops.reject_shop(shop, reject_form.message.data)
        flash(gettext("Commerce refusé : %(name)s ; le commerçant a reçu votre message.", name=shop.name), "success")
        return redirect(url_for("admin.shops_queue"))
    return render_template("admin/shop_review.html", shop=shop, approve_form=approve_form, reject_form=reject_form,
                           masked_iban=shops.mask_iban(shop.iban), status=shops.opening_status(shop),
                           format_day_hours=shops.format_day_hours, days=shops.DAYS)
