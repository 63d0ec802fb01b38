"""The shop's catalogue feeds: add one (its first reading shown before it is confirmed), follow
its runs, choose how often it is read, update now, pause, resume or delete it
(marketplace/feeds.py does the work); and the column-mapping screen that feeds and uploads share
(marketplace/product_import.py keeps the rules)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SubmitField

from marketplace import feeds, product_import, uploads
from marketplace.access import SHOP_CATALOGUE, access
from marketplace.extensions import db
from marketplace.forms import ButtonForm, SelectField
from marketplace.models import CatalogueFeed, CatalogueFeedRun, Shop
from marketplace.i18n import lazy_gettext
from marketplace.shop.forms import FeedForm, category_choices

bp = Blueprint("shop_feeds", __name__, url_prefix="/boutique")



class FeedIntervalForm(FlaskForm):
    """How often a feed is read (feeds.INTERVALS)."""

    interval = SelectField(lazy_gettext("Lire ce fichier"), validate_choice=False,  # feeds.set_interval checks
                           choices=[SelectChoice(str(minutes), label) for minutes, label in feeds.INTERVALS.items()])
    submit = SubmitField(lazy_gettext("Enregistrer la fréquence"))


def _feed(shop_id: int, feed_id: int) -> CatalogueFeed:
    """A feed of this shop; another shop's feed is "not found", whatever its id."""
    feed = db.session.get(CatalogueFeed, feed_id)
    if feed is None or feed.shop_id != shop_id:
        abort(404)
    return feed


def _confirmed() -> None:
    if not ButtonForm().validate_on_submit():
        abort(400)


@bp.route("/<int:shop_id>/flux", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def feeds_page(shop_id: int):
    shop = db.get_or_404(Shop, shop_id)
    form = FeedForm()
    if form.validate_on_submit():
        try:
            feed = feeds.add_read_feed(shop, form.url.data, current_user.id)
        except feeds.FeedError as error:
            form.url.errors = [str(error)]
        else:
            return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed.id))
    return render_template("shop/feeds.html", shop=shop, form=form, feeds=feeds.shop_feeds(shop_id),
                           confirm_form=ButtonForm())


@bp.route("/<int:shop_id>/flux/<int:feed_id>")
@access(SHOP_CATALOGUE)
def feed(shop_id: int, feed_id: int):
    """A draft feed: its first reading (format, columns, lines), to confirm. Else its runs."""
    shop, feed = db.get_or_404(Shop, shop_id), _feed(shop_id, feed_id)
    preview = problem = None
    if feed.status == "draft":
        try:
            preview = feeds.preview(feed)
        except product_import.ColumnsNeeded:  # headers not recognised: the shop says which is which
            return redirect(url_for("shop_feeds.feed_columns", shop_id=shop_id, feed_id=feed_id))
        except (feeds.FeedError, product_import.ImportFileError) as error:
            problem = str(error)
    runs = db.session.scalars(db.select(CatalogueFeedRun).where(CatalogueFeedRun.feed_id == feed.id)
                              .order_by(CatalogueFeedRun.id.desc())).all()
    return render_template("shop/feed.html", shop=shop, feed=feed, preview=preview, problem=problem, runs=runs,
                           labels=product_import.FORMAT_LABELS, fields=product_import.FIELDS, form=ButtonForm(),
                           preview_lines=product_import.PREVIEW_LINES, category_choices=category_choices(),
                           interval_form=FeedIntervalForm(interval=str(feed.interval_minutes)),
                           interval_label=feeds.interval_label(feed.interval_minutes))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/frequence", methods=["POST"])
@access(SHOP_CATALOGUE)
def feed_interval(shop_id: int, feed_id: int):
    """How often the feed is read: every hour, 6 hours, day, or on demand only."""
    feed = _feed(shop_id, feed_id)
    if not FeedIntervalForm().validate_on_submit():
        abort(400)
    value = request.form.get("interval", "")
    try:
        feeds.set_interval(feed, int(value) if value.isdigit() else -1)
    except feeds.FeedError as error:
        flash(str(error), "error")
    else:
        flash(gettext("Ce flux sera lu %(interval)s.", interval=feeds.interval_label(feed.interval_minutes)),
              "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


def _columns_page(shop: Shop, table: product_import.Table, contents: dict, problems: list[str], reason: str,
                  cancel_url: str, guessed: str = ""):
    """The column-mapping screen: each column with its first values and "Cette colonne contient"
    (`contents`: {column index: field} as selected; `guessed`: what was proposed from the values)."""
    return render_template("shop/column_mapping.html", shop=shop, headers=table.headers, contents=contents,
                           samples=product_import.column_samples(table), choices=product_import.COLUMN_CONTENTS,
                           column_name=product_import.column_name, problems=problems, reason=reason,
                           guessed=guessed, form=ButtonForm(), cancel_url=cancel_url), 200 if not problems else 422


def _selected(mapping: dict) -> dict:
    return {index: name for name, index in mapping.items() if index is not None}


def _proposed(table: product_import.Table, mapping: dict) -> tuple[dict, str, str]:
    """The screen's first selection: the mapping, and when it lacks the name or the price, the
    columns guessed from the values (name, price, barcode); the note saying so; what is still
    missing (a field the guesses did not find)."""
    guesses = product_import.guess_from_values(table, mapping) if product_import.mapping_errors(mapping) else {}
    proposed = {**mapping, **guesses}
    return (_selected(proposed), product_import.guessed_note(table.headers, guesses),
            " ".join(product_import.mapping_errors(proposed)))


def _answers(headers: list[str]) -> tuple[dict, dict, list[str]]:
    """The screen's answers (`column_<n>`), checked: as given, the mapping, and what is wrong."""
    contents, unknown = {}, []
    for index in range(len(headers)):
        value = request.form.get(f"column_{index}", "")
        if value and value not in product_import.COLUMN_CONTENTS:
            unknown.append(gettext("Colonne %(column)s : choix inconnu.",
                                   column=product_import.column_letter_of(index)))
        contents[index] = value
    mapping, problems = product_import.mapping_from_columns(contents)
    return contents, mapping, unknown + problems


@bp.route("/<int:shop_id>/flux/<int:feed_id>/colonnes", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def feed_columns(shop_id: int, feed_id: int):
    """Which column of the feed's file holds what, chosen by the shop and used by every next run."""
    shop, feed = db.get_or_404(Shop, shop_id), _feed(shop_id, feed_id)
    back = url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id)
    try:
        table = feeds.fetch_table(feed)
    except (feeds.FeedError, product_import.ImportFileError) as error:
        flash(str(error), "error")
        return redirect(back)
    reason, guessed = "", ""
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        contents, mapping, problems = _answers(table.headers)
        if not problems:
            feeds.choose_columns(feed, table, mapping)
            flash(gettext("Colonnes enregistrées : elles serviront à chaque mise à jour."), "success")
            return redirect(back)
    else:
        problems = []
        try:
            feeds.read_columns(feed, table)
            mapping = feed.mapping
        except product_import.ColumnsNeeded as error:
            reason, mapping = str(error), product_import.detect_format(table.headers)[1]
        db.session.rollback()  # showing the screen changes nothing
        contents, guessed, missing = _proposed(table, mapping)
        reason = reason if feed.column_choice else missing  # a chosen column gone: say which
    return _columns_page(shop, table, contents, problems, reason, back, guessed)


@bp.route("/<int:shop_id>/import/<token>/colonnes", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def import_columns(shop_id: int, token: str):
    """The same screen for an uploaded file; the choice is kept for the shop's next files with
    these headers."""
    shop = db.get_or_404(Shop, shop_id)
    upload = uploads.find(product_import.UPLOAD_KIND, shop_id, token)
    if upload is None or upload.status != "pending":
        return redirect(url_for("shop.import_review", shop_id=shop_id, token=token))
    table = product_import.read_table(upload.content, upload.filename)
    review = url_for("shop.import_review", shop_id=shop_id, token=token)
    reason, guessed = "", ""
    if request.method == "POST":
        if not ButtonForm().validate_on_submit():
            abort(400)
        contents, mapping, problems = _answers(table.headers)
        if not problems:
            product_import.remember_mapping(shop, table.headers, mapping)
            return redirect(review)
    else:
        problems, mapping = [], product_import.upload_mapping(shop, table.headers)
        contents, guessed, reason = _proposed(table, mapping)
    return _columns_page(shop, table, contents, problems, reason, url_for("shop.import_upload", shop_id=shop_id),
                         guessed)


@bp.route("/<int:shop_id>/flux/<int:feed_id>/activer", methods=["POST"])
@access(SHOP_CATALOGUE)
def activate_feed(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    if feed.mapping is None:  # never read successfully: nothing to confirm yet
        abort(400)
    feeds.activate(feed)
    flash(gettext("Flux activé : le catalogue sera mis à jour %(interval)s.",
                  interval=feeds.interval_label(feed.interval_minutes)), "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/categories", methods=["POST"])
@access(SHOP_CATALOGUE)
def feed_categories(shop_id: int, feed_id: int):
    """The shop's answers about its feed's category texts, kept for every next run and import."""
    _feed(shop_id, feed_id)
    _confirmed()
    answers = product_import.category_answers(request.form)
    product_import.remember_categories(db.session.get(Shop, shop_id), answers)
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/maintenant", methods=["POST"])
@access(SHOP_CATALOGUE)
def run_now(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    if feed.status != "active":
        abort(400)
    feeds.queue_run(feed)
    flash(gettext("Mise à jour demandée : son résultat s'affiche ci-dessous."), "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/pause", methods=["POST"])
@access(SHOP_CATALOGUE)
def pause_feed(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    feeds.pause(feed)
    flash(gettext("Flux en pause : le catalogue n'est plus mis à jour depuis cette adresse."), "success")
    return redirect(url_for("shop_feeds.feed", shop_id=shop_id, feed_id=feed_id))


@bp.route("/<int:shop_id>/flux/<int:feed_id>/supprimer", methods=["POST"])
@access(SHOP_CATALOGUE)
def delete_feed(shop_id: int, feed_id: int):
    feed = _feed(shop_id, feed_id)
    _confirmed()
    feeds.delete_feed(feed)
    flash(gettext("Flux supprimé ; les produits restent tels quels."), "success")
    return redirect(url_for("shop_feeds.feeds_page", shop_id=shop_id))
