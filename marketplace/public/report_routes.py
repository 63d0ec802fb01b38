"""'Signaler ce produit' on the public product page (logged in or not, rate limited)."""
from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext
from flask_login import current_user

from marketplace import product_reports
from marketplace.access import PUBLIC, access
from marketplace.admin.territory_forms import ReportProductForm
from marketplace.extensions import db, limiter
from marketplace.models import Product
from marketplace.public.blueprint import bp


@bp.route("/produits/<int:product_id>/signaler", methods=["GET", "POST"])
@access(PUBLIC)
@limiter.limit(lambda: current_app.config.get("PRODUCT_REPORT_RATE_LIMIT", "5 per hour"), methods=["POST"])
def report_product(product_id: int):
    product = db.get_or_404(Product, product_id)
    if not product.is_public:
        abort(404)
    form = ReportProductForm()
    if form.validate_on_submit():
        try:
            product_reports.report_product(product, reason=form.reason.data, comment=form.comment.data,
                                           reporter=current_user)
        except product_reports.ReportError as error:
            form.reason.errors.append(str(error))
        else:
            flash(gettext("Merci : l'administration du territoire va examiner ce produit."), "success")
            return redirect(url_for("public.product", product_id=product.id))
    return render_template("public/report_product.html", product=product, form=form)
