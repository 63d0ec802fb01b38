"""The shop's catalogue feeds: add one (its first reading shown before it is confirmed), follow
its runs, update now, pause, resume or delete it (marketplace/feeds.py does the work)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user

from marketplace import feeds, product_import
from marketplace.access import access, shop_member
from marketplace.extensions import db
from marketplace.models import CatalogueFeed, CatalogueFeedRun, Shop
from marketplace.shop.forms import ConfirmForm, FeedForm, category_choices

bp = Blueprint("shop_feeds", __name__, url_prefix="/boutique")

CATALOGUE = shop_member("owner", "staff")


def _feed(shop_id: int, feed_id: int) -> CatalogueFeed:
    """A feed of this shop; another shop's feed is "not found", whatever its id."""
    feed = db.session.get(CatalogueFeed, feed_id)
    if feed is None or feed.shop_id != shop_id:
        abort(404)
    return feed


def _confirmed() -> None:
    if not ConfirmForm().validate_on_submit():
        abort(400)


@bp.route("/<int:shop_id>/flux", methods=["GET", "POST"])
@access(CATALOGUE)
def feeds_page(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    form = FeedForm()
    if form.validate_on_submit():
        try:
            feed = feeds.add_feed(shop, form.url.data, current_user.id)
        except feeds.FeedError as error:
            form.url.errors = [str(error)]
        else:
            return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed.id))
    return render_template("shop/feeds.html", shop=shop, form=form, feeds=feeds.shop_feeds(shop_id),
                           confirm_form=ConfirmForm())


@bp.route("/<int:shop_id>/flux/<int:feed_id>")
@access(CATALOGUE)
def feed(shop_id: int, feed_id: int):
    """A draft feed: its first reading (format, columns, lines), to confirm. Else its runs."""
    shop, feed = db.get_or_404(Shop, shop_id), _feed(shop_id, feed_id)
    preview = problem = None
    if feed.status == "draft":
        try:
            preview = feeds.preview(feed)
        except (feeds.FeedError, product_import.ImportFileError) as error:
            problem = str(error)
    runs = db.session.scalars(db.select(CatalogueFeedRun).where(CatalogueFeedRun.feed_id == feed.id)
                              .order_by(CatalogueFeedRun.id.desc())).all()
    return render_template("shop/feed.html", shop=shop, feed=feed, preview=preview, problem=problem, runs=runs,
                           labels=feeds.FORMAT_LABELS, fields=product_import.FIELDS, form=ConfirmForm(),
                           preview_lines=product_import.PREVIEW_LINES, category_choices=category_choices())


@bp.route("/<int:shop_id>/flux/<int:feed_id>/activer", methods=["POST"])
@access(CATALOGUE)
def activate_feed(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    if feed.mapping is None:  # never read successfully: nothing to confirm yet
        abort(400)
    feeds.activate(feed)
    flash(gettext("Flux activé : le catalogue sera mis à jour toutes les %(n)s minutes.", n=feed.interval_minutes),
          "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/categories", methods=["POST"])
@access(CATALOGUE)
def feed_categories(shop_id: int, feed_id: int):
    """The shop's answers about its feed's category texts, kept for every next run and import."""
    _feed(shop_id, feed_id)
    _confirmed()
    answers = product_import.category_answers(request.form)
    product_import.remember_categories(db.session.get(Shop, shop_id), answers)
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/maintenant", methods=["POST"])
@access(CATALOGUE)
def run_now(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    if feed.status != "active":
        abort(400)
    feeds.queue_run(feed)
    flash(gettext("Mise à jour demandée : son résultat s'affiche ci-dessous."), "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/pause", methods=["POST"])
@access(CATALOGUE)
def pause_feed(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    feeds.pause(feed)
    flash(gettext("Flux en pause : le catalogue n'est plus mis à jour depuis cette adresse."), "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/supprimer", methods=["POST"])
@access(CATALOGUE)
def delete_feed(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    feeds.delete_feed(feed)
    flash(gettext("Flux supprimé ; les produits restent tels quels."), "success")
    return redirect(url_for("shop_feeds.feeds_page", shop_id=shop_id))
