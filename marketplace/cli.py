"""`flask --app run …` commands: territory import, demo seed; the ledger adds its own group."""
import click
from flask.cli import AppGroup

from marketplace import periodic

territory_cli = AppGroup("territory", help="Communes of the territory.")
demo_cli = AppGroup("demo", help="Demo content.")


@territory_cli.command("import")
@click.option("--epci", "epci", default="", help="EPCI codes, comma separated.")
@click.option("--departement", "departements", default="", help="Département codes, comma separated.")
def territory_import_command(epci: str, departements: str):
    """Load (or update) the communes of the given EPCIs / départements."""
    from marketplace.territory_import import import_territory

    epci_codes = [code.strip() for code in epci.split(",") if code.strip()]
    departement_codes = [code.strip() for code in departements.split(",") if code.strip()]
    if not epci_codes and not departement_codes:
        raise click.UsageError("Give --epci CODE[,CODE…] or --departement CODE[,CODE…].")
    try:
        result = import_territory(epci_codes=epci_codes, departements=departement_codes)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{result.created} communes added, {result.updated} updated.")


@demo_cli.command("seed")
def demo_seed_command():
    """Load the demo territory (Auxois Morvan) and its content; safe to run again."""
    from marketplace.demo import seed

    summary = seed(echo=click.echo)
    click.echo(summary)


jobs_cli = AppGroup("jobs", help="Background jobs (RQ, when REDIS_URL is set).")


@jobs_cli.command("worker")
@click.option("--queue", "queues", multiple=True, help="Queues to serve (default: all).")
@click.option("--burst", is_flag=True, help="Run the waiting jobs, then stop.")
def jobs_worker_command(queues: tuple[str, ...], burst: bool):
    """Run the jobs queued in Redis (with RQ's scheduler for delayed jobs and retries)."""
    from flask import current_app
    from rq import Worker

    from marketplace import jobs

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError("REDIS_URL is not set: without Redis, jobs run in the web process.")
    jobs.set_worker_app(current_app._get_current_object())
    worker = Worker([jobs.get_queue(name) for name in queues or jobs.QUEUES],
                    connection=jobs.redis_connection())
    worker.work(with_scheduler=True, burst=burst)


@jobs_cli.command("scheduler")
def jobs_scheduler_command():
    """Queue the periodic jobs on time (search outbox, grant expiries, index optimise): run ONE."""
    from rq.cron import CronScheduler

    from marketplace import jobs

    scheduler = CronScheduler(connection=jobs.redis_connection())
    for func, queue, interval, cron in periodic.PERIODIC:
        scheduler.register(jobs.run_job, queue, args=(jobs.job_path(func), (), {}), interval=interval,
                           cron=cron, name=func.__name__, job_timeout=3600)
    scheduler.start()


@jobs_cli.command("run")
@click.argument("name", type=click.Choice([func.__name__ for func, *_ in periodic.PERIODIC]))
def jobs_run_command(name: str):
    """Run one periodic job now, in this process (for cron without Redis)."""
    click.echo(f"{name}: {periodic.job_named(name)()}")


def register(app) -> None:
    from loyalty.cli import ledger_cli
    from search.cli import search_cli

    app.cli.add_command(territory_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(search_cli)
    from marketplace.admin.cli import settlement_cli

    app.cli.add_command(settlement_cli)
    from marketplace.orders_bp.cli import orders_cli

    app.cli.add_command(orders_cli)
    from marketplace.admin.accounting_cli import accounting_cli

    app.cli.add_command(accounting_cli)
