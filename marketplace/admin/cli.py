"""`flask settlement …`: the settlement run from a terminal or a cron job."""
import click
from flask.cli import AppGroup

settlement_cli = AppGroup("settlement", help="Settlement runs that pay the shops.")


@settlement_cli.command("run")
@click.option("--period", type=click.Choice(["monthly", "weekly"]), default="monthly")
@click.option("--day", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="A day of the period to settle (default: the last complete period).")
def run_command(period: str, day):
    """Draft the settlement of a period: one statement per shop."""
    from loyalty.clock import paris_day, utc_now
    from marketplace import settlement

    if day is None:
        starts_on, ends_on = settlement.last_complete_period(period, paris_day(utc_now()))
    else:
        starts_on, ends_on = settlement.period_bounds(period, day.date())
    try:
        run = settlement.create_run(period, starts_on, ends_on)
    except settlement.SettlementError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Run {run.id}: {starts_on} to {ends_on}, {len(run.statements)} statements, "
               f"{settlement.decimal_euros(settlement.total_payout(run))} EUR.")
    for statement in run.statements:
        flag = "" if statement.iban_valid else "  NO VALID IBAN: not in the SEPA file"
        click.echo(f"  {statement.number} {statement.shop.name}: {settlement.decimal_euros(statement.payout_cents)}{flag}")


@settlement_cli.command("sepa")
@click.argument("run_id", type=int)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), required=True)
def sepa_command(run_id: int, output: str):
    """Write the run's SEPA credit-transfer file (pain.001.001.03)."""
    from marketplace.sepa import SepaConfigError, credit_transfer_xml

    run = _run(run_id)
    try:
        xml = credit_transfer_xml(run)
    except SepaConfigError as error:
        raise click.ClickException(str(error)) from error
    with open(output, "wb") as file:
        file.write(xml)
    click.echo(f"Wrote {output}.")


@settlement_cli.command("pay")
@click.argument("run_id", type=int)
def pay_command(run_id: int):
    """Mark the run paid (the SEPA file went to the bank): writes the settle entries."""
    _act(run_id, "mark_paid", "paid")


@settlement_cli.command("cancel")
@click.argument("run_id", type=int)
def cancel_command(run_id: int):
    """Cancel a run not yet paid; its lines go to the next run."""
    _act(run_id, "cancel_run", "cancelled")


@settlement_cli.command("recompute")
@click.argument("run_id", type=int)
def recompute_command(run_id: int):
    """A run whose payment stopped (a refund made after it was computed): rebuild its unpaid
    statements; then write the new SEPA file and pay again."""
    _act(run_id, "recompute_run", "recomputed")


@settlement_cli.command("cancel-unpaid")
@click.argument("run_id", type=int)
def cancel_unpaid_command(run_id: int):
    """A run whose payment stopped: cancel its unpaid statements (their lines go to the next run)."""
    _act(run_id, "cancel_unpaid", "closed: its unpaid statements are cancelled")


def _run(run_id: int):
    from marketplace.extensions import db
    from marketplace.models import SettlementRun

    run = db.session.get(SettlementRun, run_id)
    if run is None:
        raise click.ClickException(f"No settlement run {run_id}.")
    return run


def _act(run_id: int, action: str, done: str) -> None:
    from marketplace import settlement

    try:
        getattr(settlement, action)(_run(run_id))
    except settlement.SettlementError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Run {run_id} {done}.")

