"""The periodic jobs (marketplace/periodic.py): what each does, when, how its last run went, and a
button to run one now (the demo's jobs at a time of day; a bank file just dropped in the folder)."""
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext

from marketplace import jobs, periodic
from marketplace.access import ADMIN, access
from marketplace.admin.blueprint import bp
from marketplace.forms import ButtonForm


@bp.route("/taches")
@access(ADMIN)
def periodic_jobs():
    return render_template("admin/jobs.html", rows=periodic.job_rows(), button=ButtonForm())


@bp.route("/taches/<name>/lancer", methods=["POST"])
@access(ADMIN)
def run_periodic_job(name: str):
    func = periodic.job_named(name) or abort(404)
    if ButtonForm().validate_on_submit():
        try:
            jobs.enqueue(func, queue=next(queue for job, queue, *_ in periodic.PERIODIC if job is func))
        except Exception:  # noqa: BLE001 - run in this process (no worker): its failure is recorded below
            flash(gettext("« %(job)s » a échoué : son erreur est ci-dessous.", job=periodic.LABELS.get(name, name)),
                  "error")
        else:
            flash(gettext("« %(job)s » est lancée : son résultat s'affiche ici quand elle a fini.",
                          job=periodic.LABELS.get(name, name)), "success")
    else:
        flash(gettext("Formulaire expiré : réessayez."), "error")
    return redirect(url_for("admin.periodic_jobs"))
