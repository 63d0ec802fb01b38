"""`flask --app run search …`: reindex, check, worker."""
import sys
import time

import click
from flask.cli import AppGroup

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the whole index from the database."""
    import search
    from marketplace.extensions import db
    from search.documents import searchable_count

    total = searchable_count(db.session)
    started = time.perf_counter()
    with click.progressbar(length=total, label="Indexation des produits") as bar:
        count = search.rebuild(progress=bar.update)
    click.echo(f"{count} produits indexés en {time.perf_counter() - started:.1f} s.")


@search_cli.command("check")
@click.option("--show", default=10, help="How many product ids to list per kind of difference.")
def check_command(show: int):
    """Compare the index with the database; exits with status 1 on any difference."""
    import search

    report = search.check()
    for label, ids in (("absents de l'index", report.missing), ("périmés dans l'index", report.stale),
                       ("en trop dans l'index", report.extra)):
        if ids:
            listed = ", ".join(map(str, ids[:show])) + (" …" if len(ids) > show else "")
            click.echo(f"{len(ids)} produits {label} : {listed}")
    if report.pending:
        click.echo(f"{report.pending} changements en attente d'indexation (file d'attente).")
    if report.in_step:
        click.echo("L'index et la base de données concordent.")
    else:
        click.echo("L'index et la base diffèrent : lancez `flask --app run search reindex`.", err=True)
        sys.exit(1)


@search_cli.command("worker")
@click.option("--interval", default=1.0, help="Seconds between two looks at the outbox.")
@click.option("--once", is_flag=True, help="Drain the outbox once and stop.")
def worker_command(interval: float, once: bool):
    """Keep the index in step: drain the index outbox (run exactly this, or several: they take turns)."""
    from flask import current_app

    import search
    from search.indexer import run_forever

    if once:
        if search.get_backend().needs_rebuild():
            search.rebuild()
        click.echo(f"{search.drain_outbox()} changements indexés.")
        return
    click.echo("Indexeur de recherche démarré (Ctrl+C pour arrêter).")
    try:
        run_forever(current_app._get_current_object(), interval=interval)
    except KeyboardInterrupt:
        pass
