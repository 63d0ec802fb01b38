"""The shop back office: onboarding, settings, team, closures, catalogue, import and export."""
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext, ngettext
from flask_login import current_user
from flask_wtf import FlaskForm

from marketplace import (catalogue, feeds, invitations, once, product_import, product_reference, shop_overview, shops,
                         short_addresses, uploads)
from marketplace.access import AUTHENTICATED, PUBLIC, SHOP_CATALOGUE, SHOP_OWNER, SHOP_TEAM, access
from marketplace.extensions import db, limiter
from marketplace.forms import ButtonForm
from marketplace.images import InvalidImage, image_url, store_image
from marketplace.models import Product, ProductImage, Shop, ShopClosure, ShopInvitation
from marketplace.models.base import utcnow
from marketplace.request_guard import int_arg
from marketplace.shop.forms import (
    UNIT_SUGGESTIONS,
    BulkActionForm,
    ClosureForm,
    ImportUploadForm,
    InvitationForm,
    ProductForm,
    ShopForm,
    category_choices,
)
from search.unmet import wanted_by_residents

bp = Blueprint("shop", __name__, url_prefix="/boutique")

PRODUCTS_PER_PAGE = 50


def _shop(shop_id: int) -> Shop:
    return db.get_or_404(Shop, shop_id)


def _product(shop_id: int, product_id: int) -> Product:
    """A product of this shop; another shop's product is "not found", whatever its id."""
    product = db.session.get(Product, product_id)
    if product is None or product.shop_id != shop_id:
        abort(404)
    return product


def _store_photos(files, form_field) -> list[str] | None:
    """Keys of the uploaded photos, or None (with the errors on the field) if one is refused."""
    keys = []
    for upload in files or []:
        if not upload or not upload.filename:
            continue
        try:
            keys.append(store_image(upload.read(), upload.filename))
        except InvalidImage as error:
            form_field.errors = list(form_field.errors) + [str(error)]
    return None if form_field.errors else keys


def _shop_fields(form: ShopForm) -> dict:
    return {
        "name": form.name.data.strip(), "category_id": form.category.data, "commune_insee": form.commune.data,
        "address": form.address.data.strip(), "description": (form.description.data or "").strip(),
        "phone": (form.phone.data or "").strip(), "email": (form.email.data or "").strip(),
        "website": form.website.data or "", "accepts_card": form.accepts_card.data,
        "siret": shops.normalize_siret(form.siret.data), "opening_hours": form.opening_hours(),
        "private_listings": form.private_listings.data, "weekly_summary": form.weekly_summary.data,
        "kind": form.kind.data, "services": (form.services.data or "").strip(),
        "keywords": (form.keywords.data or "").strip(), "area_radius_km": form.area_radius_km.data,
        "area_communes": form.area_commune_codes or None,
        "mediator_name": (form.mediator_name.data or "").strip(), "mediator_url": form.mediator_url.data or "",
    }


# --- Onboarding ---


@bp.route("/")
@access(AUTHENTICATED)
def mine():
    """halle.fr/boutique: the user's shop (see marketplace/short_addresses.py)."""
    return short_addresses.open_shop(current_user)


@bp.route("/nouvelle", methods=["GET", "POST"])
@access(AUTHENTICATED)
def create():
    form = ShopForm()
    if form.validate_on_submit():
        photos = _store_photos([form.photo.data], form.photo)
        if photos is not None:
            shop = shops.create_shop(current_user._get_current_object(), **_shop_fields(form),
                                     iban=shops.normalize_iban(form.iban.data), photo_key=(photos or [None])[0])
            flash(gettext("Votre commerce est enregistré. L'équipe du territoire le valide rapidement ; "
                          "vous pouvez déjà ajouter vos produits.") if shop.has_catalogue
                  else gettext("Votre fiche est enregistrée. L'équipe du territoire la valide rapidement."), "success")
            return redirect(url_for("shop.dashboard", shop_id=shop.id))
    return render_template("shop/shop_form.html", form=form, shop=None, days=shops.DAYS)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str):
    invitation = invitations.find(ShopInvitation, token)

    def accept():
        member = shops.accept_invitation(invitation, current_user)
        flash(gettext("Vous avez rejoint l'équipe de %(shop)s.", shop=member.shop.name), "success")
        if member.role == "cashier":
            return redirect(url_for("till.index", shop_id=member.shop_id))
        return redirect(url_for("shop.dashboard", shop_id=member.shop_id))

    return invitations.answer(
        invitation, accept=accept, title=lambda i: gettext("Rejoindre l'équipe de %(shop)s", shop=i.shop.name),
        consent=lambda i: gettext("Vous êtes connecté avec l'adresse %(email)s. Acceptez l'invitation pour rejoindre "
                                  "le commerce qui vous l'a envoyée.", email=current_user.email))


@bp.route("/<int:shop_id>/")
@access(SHOP_TEAM)
def dashboard(shop_id: int):
    shop = _shop(shop_id)
    counts = dict(db.session.execute(db.select(Product.active, db.func.count()).where(Product.shop_id == shop_id)
                                     .group_by(Product.active)).all())
    role = current_user.shop_role(shop_id)
    return render_template("shop/dashboard.html", shop=shop, active_count=counts.get(True, 0),
                           inactive_count=counts.get(False, 0), status=shops.opening_status(shop), role=role,
                           today=shop_overview.overview(shop, owner=role == "owner"),
                           wanted=wanted_by_residents() if shop.has_catalogue else [])


# --- Settings (owner only: they hold the IBAN) ---


@bp.route("/<int:shop_id>/parametres", methods=["GET", "POST"])
@access(SHOP_OWNER)
def settings(shop_id: int):
    shop = _shop(shop_id)
    form = ShopForm(obj=shop)
    if not form.is_submitted():
        form.commune.data = shop.commune_insee
        form.category.data = shop.category_id
        form.iban.data = ""
        form.show_area_communes(shop.area_communes)
        for day, _ in shops.DAYS:
            getattr(form, f"hours_{day}").data = shops.format_day_hours(shop.opening_hours.get(day))
    form.iban.description = (gettext("Actuel : %(iban)s. Laissez vide pour le garder.",
                                     iban=shops.mask_iban(shop.iban)) if shop.iban else form.iban.description)
    if form.validate_on_submit():
        form.kind.errors = shops.kind_refusals(shop, form.kind.data)
        photos = None if form.kind.errors else _store_photos([form.photo.data], form.photo)
        if photos is not None:
            shops.update_details(shop, _shop_fields(form))
            if form.iban.data:
                shop.iban = shops.normalize_iban(form.iban.data)
            if photos:
                shop.photo_key = photos[0]
            resubmitted = shops.resubmit_if_rejected(shop)
            db.session.commit()
            flash(gettext("Informations enregistrées. Votre demande repart en validation.") if resubmitted
                  else gettext("Informations enregistrées."), "success")
            return redirect(url_for("shop.settings", shop_id=shop_id))
    return render_template("shop/shop_form.html", form=form, shop=shop, days=shops.DAYS,
                           masked_iban=shops.mask_iban(shop.iban))


@bp.route("/<int:shop_id>/equipe", methods=["GET", "POST"])
@access(SHOP_OWNER)
def team(shop_id: int):
    shop = _shop(shop_id)
    form = InvitationForm()
    if form.validate_on_submit():
        if (earlier := once.claim(form, url_for("shop.team", shop_id=shop_id))) is not None:
            return earlier
        shops.invite_member(shop, form.email.data, form.role.data, current_user)
        flash(gettext("Invitation envoyée à %(email)s.", email=form.email.data), "success")
        return redirect(url_for("shop.team", shop_id=shop_id))
    return render_template("shop/team.html", shop=shop, form=form, invitations=shops.pending_invitations(shop_id),
                           roles=shops.INVITABLE_ROLES, remove_form=ButtonForm(), revoke_form=FlaskForm())


@bp.route("/<int:shop_id>/equipe/invitations/<int:invitation_id>/retirer", methods=["POST"])
@access(SHOP_OWNER)
def revoke_invitation(shop_id: int, invitation_id: int):
    invitations.revoke_from_page(ShopInvitation, invitation_id, owner=("shop_id", shop_id), target=_shop(shop_id),
                                 action="shop.revoke_invitation")
    return redirect(url_for("shop.team", shop_id=shop_id))


@bp.route("/<int:shop_id>/equipe/<int:member_id>/retirer", methods=["POST"])
@access(SHOP_OWNER)
def remove_member(shop_id: int, member_id: int):
    if ButtonForm().validate_on_submit():
        if not shops.remove_member(shop_id, member_id):
            abort(404)
        flash(gettext("La personne ne fait plus partie de l'équipe."), "success")
    return redirect(url_for("shop.team", shop_id=shop_id))


@bp.route("/<int:shop_id>/fermetures", methods=["GET", "POST"])
@access(SHOP_TEAM)
def closures(shop_id: int):
    shop = _shop(shop_id)
    form = ClosureForm()
    if form.validate_on_submit():
        if (earlier := once.claim(form, url_for("shop.closures", shop_id=shop_id))) is not None:
            return earlier
        shops.add_closure(shop, form.starts_on.data, form.ends_on.data, form.reason.data or "")
        flash(gettext("Fermeture ajoutée : elle s'affiche sur votre page."), "success")
        return redirect(url_for("shop.closures", shop_id=shop_id))
    return render_template("shop/closures.html", shop=shop, form=form, closures=shops.upcoming_closures(shop),
                           delete_form=ButtonForm())


@bp.route("/<int:shop_id>/fermetures/<int:closure_id>/supprimer", methods=["POST"])
@access(SHOP_TEAM)
def delete_closure(shop_id: int, closure_id: int):
    closure = db.session.get(ShopClosure, closure_id)
    if closure is None or closure.shop_id != shop_id:
        abort(404)
    if ButtonForm().validate_on_submit():
        db.session.delete(closure)
        db.session.commit()
        flash(gettext("Fermeture supprimée."), "success")
    return redirect(url_for("shop.closures", shop_id=shop_id))


# --- Catalogue ---


@bp.route("/<int:shop_id>/produits")
@access(SHOP_CATALOGUE)
def products(shop_id: int):
    return _products_page(shop_id)


def _products_page(shop_id: int, typed: dict[int, str] | None = None, refused: dict[int, str] | None = None):
    """The products list (search, sort, category and page from the query string); `typed` and
    `refused`: the stocks counted in its cells and why some were refused, shown again as typed."""
    shop = _shop(shop_id)
    query = request.args.get("q", "").strip()[:100]
    sort = request.args.get("tri", "nom")
    category_id = int_arg("categorie")
    statement = catalogue.shop_products(shop_id, query, sort, category_id)
    page = db.paginate(statement, page=int_arg("page", 1),
                       per_page=PRODUCTS_PER_PAGE, error_out=False)
    return render_template("shop/products.html", shop=shop, page=page, query=query, sort=sort,
                           category_id=category_id, bulk_form=BulkActionForm(), sorts=catalogue.SORTS,
                           feeds=feeds.shop_feeds(shop_id), confirm_form=ButtonForm(), stock_form=FlaskForm(),
                           typed=typed or {}, refused=refused or {}), 400 if refused else 200


@bp.route("/<int:shop_id>/produits/stocks", methods=["POST"])
@access(SHOP_CATALOGUE)
def count_stocks(shop_id: int):
    """The stocks typed in the list's cells, saved at once: the weekly count without opening each
    product. A value refused is shown in its cell and nothing is saved."""
    back = url_for("shop.products", shop_id=shop_id, **request.args.to_dict())
    if not FlaskForm().validate_on_submit():
        flash(gettext("La page a expiré : rechargez-la et recommencez."), "error")
        return redirect(back)
    typed = {int(key[6:]): value for key, value in request.form.items()
             if key.startswith("stock-") and key[6:].isdigit()}
    counts, refused = [], {}
    for product_id, value in typed.items():
        try:
            shown = catalogue.parse_stock(request.form.get(f"shown-{product_id}"), maximum=None)
            counts.append(catalogue.StockCount(product_id, shown, catalogue.parse_stock(value)))
        except catalogue.InvalidValue as error:
            refused[product_id] = str(error)
    if refused:
        return _products_page(shop_id, typed, refused)
    changed, moved = catalogue.set_counted_stocks(shop_id, counts)
    if changed:
        flash(ngettext("Stock enregistré pour %(num)s produit.", "Stock enregistré pour %(num)s produits.",
                       len(changed)), "success")
    elif not moved:
        flash(gettext("Aucun stock n'a changé."), "info")
    for product in moved:
        flash(gettext("Le stock de « %(name)s » a changé depuis l'affichage de la page (une commande ?) : il est de "
                      "%(stock)s, comptez-le de nouveau.", name=product.name,
                      stock=gettext("sur commande") if product.stock is None else product.stock), "error")
    return redirect(back)


@bp.route("/<int:shop_id>/produits/actions", methods=["POST"])
@access(SHOP_CATALOGUE)
def bulk_action(shop_id: int):
    form = BulkActionForm()
    ids = [int(value) for value in request.form.getlist("product_ids") if value.isdigit()]
    back = url_for("shop.products", shop_id=shop_id, **{k: v for k, v in request.args.items()})
    if not ids:
        flash(gettext("Cochez au moins un produit."), "error")
    elif not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
    else:
        count = catalogue.bulk_update(shop_id, ids, form.action.data, category_id=form.category.data,
                                      stock=catalogue.parse_stock(form.stock.data))
        flash(ngettext("%(num)s produit modifié.", "%(num)s produits modifiés.", count), "success")
    return redirect(back)


def _product_photos(form: ProductForm, shop_id: int) -> list[str] | None:
    """Keys of the product form's new photos in order: the files chosen, the camera's, then the
    photo the territory's reference offered for the barcode (only if it really offers it).
    None if a file is refused (the errors are on its field)."""
    files = _store_photos(form.photos.data, form.photos)
    camera = _store_photos([form.camera_photo.data], form.camera_photo)
    if files is None or camera is None:
        return None
    shared = product_reference.shared_photo(catalogue.normalize_ean(form.ean.data), form.reference_photo.data,
                                            shop_id)
    return list(dict.fromkeys(files + camera + ([shared] if shared else [])))


def _reference_bucket() -> str:
    return f"reference:{current_user.id}"


@bp.route("/<int:shop_id>/reference/<barcode>")
@access(SHOP_CATALOGUE)
@limiter.limit(lambda: current_app.config["REFERENCE_LOOKUP_RATE_LIMIT"], key_func=_reference_bucket)
def reference(shop_id: int, barcode: str):
    """JSON for the product form's scanner (static/js/barcode_scan.js): what the territory's
    listings of this barcode pre-fill, or this shop's own product with it."""
    try:
        found = product_reference.lookup(barcode, shop_id)
        own = product_reference.own_product(barcode, shop_id)
    except catalogue.InvalidValue as error:
        return jsonify(found=False, field="ean", error=str(error)), 400
    ean = catalogue.normalize_ean(barcode)
    body = {"ean": ean, "found": found is not None}
    if own is not None:
        body["own_product"] = {"url": url_for("shop.edit_product", shop_id=shop_id, product_id=own.id),
                               "label": gettext("Ce code-barres est déjà celui de votre produit « %(name)s » : "
                                                "ouvrir sa fiche", name=own.name)}
    if found is not None:
        body.update(name=found.name, unit=found.unit, category_id=found.category_id, photo_key=found.photo_key,
                    photo_url=image_url(found.photo_key) if found.photo_key else None,
                    message=gettext("Produit connu du territoire : « %(name)s ». Ajoutez votre prix et votre "
                                    "stock, puis enregistrez.", name=found.name))
    else:
        body["message"] = gettext("Aucun autre commerce du territoire n'a encore ce code-barres (%(ean)s) : "
                                  "complétez la fiche.", ean=ean)
    return jsonify(body)


@bp.route("/<int:shop_id>/produits/nouveau", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def new_product(shop_id: int):
    shop = _shop(shop_id)
    form = ProductForm(shop_id=shop_id)
    if not form.is_submitted():
        form.category.data = shop.category_id
    if form.validate_on_submit():
        then = url_for("shop.new_product" if request.form.get("again") else "shop.products", shop_id=shop_id)
        if (earlier := once.claim(form, then)) is not None:
            return earlier
        keys = _product_photos(form, shop_id)
        if keys is None:
            db.session.rollback()  # the token stays free for the corrected form
        else:
            product = Product(shop_id=shop_id, **form.product_fields())
            product.images = [ProductImage(key=key, position=i) for i, key in enumerate(keys)]
            db.session.add(product)
            db.session.commit()
            flash(gettext("« %(name)s » est ajouté à votre catalogue.", name=product.name), "success")
            return redirect(then)
    return render_template("shop/product_form.html", shop=shop, form=form, product=None, units=UNIT_SUGGESTIONS)


@bp.route("/<int:shop_id>/produits/<int:product_id>", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def edit_product(shop_id: int, product_id: int):
    shop = _shop(shop_id)
    product = _product(shop_id, product_id)
    form = ProductForm(obj=product, shop_id=shop_id, product_id=product_id)
    if not form.is_submitted():
        form.category.data = product.category_id
        form.price.data = catalogue.price_input(product.price_cents)
        form.stock.data = "" if product.stock is None else str(product.stock)
    if form.is_submitted() and product.hidden_by_admin and form.active.data:
        flash(gettext("En ligne : ce produit est masqué par le territoire (%(reason)s), vous ne pouvez pas le "
                      "remettre en ligne. Rien n'a été modifié.", reason=product.hidden_reason_label), "error")
    elif form.validate_on_submit():
        keys = _product_photos(form, shop_id)
        if keys is not None:
            for column, value in form.product_fields().items():
                setattr(product, column, value)
            keys = [key for key in keys if key not in {image.key for image in product.images}]
            start = len(product.images)
            product.images.extend(ProductImage(key=key, position=start + i) for i, key in enumerate(keys))
            if keys:
                product.updated_at = utcnow()  # a photo change alone must reach the search index too
            db.session.commit()
            flash(gettext("« %(name)s » est enregistré.", name=product.name), "success")
            return redirect(url_for("shop.edit_product", shop_id=shop_id, product_id=product_id))
    return render_template("shop/product_form.html", shop=shop, form=form, product=product, units=UNIT_SUGGESTIONS,
                           confirm_form=ButtonForm(), can_delete=not catalogue.was_ever_ordered(product))


@bp.route("/<int:shop_id>/produits/<int:product_id>/dupliquer", methods=["POST"])
@access(SHOP_CATALOGUE)
def duplicate_product(shop_id: int, product_id: int):
    product = _product(shop_id, product_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    copy = catalogue.duplicate_product(product)
    flash(gettext("Copie créée, hors ligne : modifiez-la puis mettez-la en ligne."), "success")
    return redirect(url_for("shop.edit_product", shop_id=shop_id, product_id=copy.id))


@bp.route("/<int:shop_id>/produits/<int:product_id>/supprimer", methods=["POST"])
@access(SHOP_CATALOGUE)
def delete_product(shop_id: int, product_id: int):
    product = _product(shop_id, product_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    name = product.name
    if catalogue.delete_product(product):
        flash(gettext("« %(name)s » est supprimé.", name=name), "success")
        return redirect(url_for("shop.products", shop_id=shop_id))
    flash(gettext("« %(name)s » a déjà été commandé : il ne peut pas être supprimé, retirez-le plutôt de la vente.",
                  name=name), "error")
    return redirect(url_for("shop.edit_product", shop_id=shop_id, product_id=product_id))


@bp.route("/<int:shop_id>/produits/<int:product_id>/photos/<int:image_id>/supprimer", methods=["POST"])
@access(SHOP_CATALOGUE)
def delete_photo(shop_id: int, product_id: int, image_id: int):
    product = _product(shop_id, product_id)
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        abort(404)
    if ButtonForm().validate_on_submit():
        product.images.remove(image)
        product.updated_at = utcnow()
        db.session.commit()
        flash(gettext("Photo retirée."), "success")
    return redirect(url_for("shop.edit_product", shop_id=shop_id, product_id=product_id))


@bp.route("/<int:shop_id>/produits/<int:product_id>/photos/<int:image_id>/deplacer", methods=["POST"])
@access(SHOP_CATALOGUE)
def move_photo(shop_id: int, product_id: int, image_id: int):
    """One place up or down (buttons: usable with the keyboard, no drag and drop needed)."""
    product = _product(shop_id, product_id)
    if image_id not in {image.id for image in product.images}:
        abort(404)
    direction = request.form.get("direction")
    if ButtonForm().validate_on_submit() and direction in ("up", "down"):
        if catalogue.move_image(product, image_id, -1 if direction == "up" else 1):
            flash(gettext("Ordre des photos enregistré : la première est celle que voient les habitants."),
                  "success")
    return redirect(url_for("shop.edit_product", shop_id=shop_id, product_id=product_id, _anchor="photos"))


# --- Spreadsheet import and export ---


@bp.route("/<int:shop_id>/import", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def import_upload(shop_id: int):
    shop = _shop(shop_id)
    form = ImportUploadForm()
    if form.validate_on_submit():
        data = form.file.data.read()
        try:
            product_import.read_table(data, form.file.data.filename or "")
        except product_import.ImportFileError as error:
            form.file.errors = [str(error)]
        else:
            token = uploads.save(product_import.UPLOAD_KIND, shop_id, data, form.file.data.filename or "")
            return redirect(url_for("shop.import_review", shop_id=shop_id, token=token))
    return render_template("shop/import_upload.html", shop=shop, form=form)


def _mapping_from(values, table, shop) -> dict[str, int | None]:
    """The column chosen for each field (`map_<field>` arguments), or the proposed one (the
    shop's kept choice for these headers, a known export's, or guessed from the headers)."""
    if not any(key.startswith("map_") for key in values):
        return product_import.upload_mapping(shop, table.headers)
    mapping = {}
    for name in product_import.FIELDS:
        value = values.get(f"map_{name}", "")
        mapping[name] = int(value) if value.isdigit() and int(value) < len(table.headers) else None
    return mapping


def _upload_gone(shop_id: int):
    """An unknown, expired or forged upload token: back to the upload form, saying why."""
    flash(gettext("Ce fichier n'est plus disponible : envoyez-le à nouveau."), "error")
    return redirect(url_for("shop.import_upload", shop_id=shop_id))


@bp.route("/<int:shop_id>/import/<token>", methods=["GET", "POST"])
@access(SHOP_CATALOGUE)
def import_review(shop_id: int, token: str):
    shop = _shop(shop_id)
    upload = uploads.find(product_import.UPLOAD_KIND, shop_id, token)
    if upload is None:
        return _upload_gone(shop_id)
    if upload.status != "pending":  # confirmed already (another tab, the back button)
        return redirect(url_for("shop.import_progress", shop_id=shop_id, token=token))
    table = product_import.read_table(upload.content, upload.filename)
    values = request.form if request.method == "POST" else request.args
    mapping = _mapping_from(values, table, shop)
    problems = product_import.mapping_errors(mapping)
    if problems and request.method == "GET" and not any(key.startswith("map_") for key in values):
        # No name or price column recognised: the shop says what each column holds.
        return redirect(url_for("shop_feeds.import_columns", shop_id=shop_id, token=token))
    form = ButtonForm()
    if request.method == "POST" and "save_categories" in request.form and form.validate_on_submit():
        product_import.remember_categories(shop, product_import.category_answers(request.form))
        return redirect(url_for("shop.import_review", shop_id=shop_id, token=token,
                                **{f"map_{name}": "" if index is None else index for name, index in mapping.items()}))
    plan = None if problems else product_import.check_import(table, mapping, shop)
    if request.method == "POST" and form.validate_on_submit() and plan is not None and plan.lines:
        product_import.queue_import(upload, mapping, current_user.id)
        return redirect(url_for("shop.import_progress", shop_id=shop_id, token=token))
    return render_template("shop/import_review.html", shop=shop, token=token, table=table, mapping=mapping,
                           fields=product_import.FIELDS, problems=problems, plan=plan, form=form,
                           preview=plan.lines[:product_import.PREVIEW_LINES] if plan else [],
                           max_errors=product_import.MAX_ERRORS_SHOWN, price_input=catalogue.price_input,
                           category_choices=category_choices())


@bp.route("/<int:shop_id>/import/<token>/suivi")
@access(SHOP_CATALOGUE)
def import_progress(shop_id: int, token: str):
    """Where a confirmed import is: being written (the page follows it), done, or failed."""
    shop = _shop(shop_id)
    upload = uploads.find(product_import.UPLOAD_KIND, shop_id, token)
    if upload is None:
        return _upload_gone(shop_id)
    if upload.status == "pending":
        return redirect(url_for("shop.import_review", shop_id=shop_id, token=token))
    return render_template("shop/import_progress.html", shop=shop, upload=upload)


@bp.route("/<int:shop_id>/export.<any(csv, xlsx):fmt>")
@access(SHOP_CATALOGUE)
def export(shop_id: int, fmt: str):
    shop = _shop(shop_id)
    if fmt == "csv":
        body, mimetype = product_import.export_csv(shop), "text/csv; charset=utf-8"
    else:
        body = product_import.export_xlsx(shop)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="catalogue-{shop.slug}.{fmt}"'})
