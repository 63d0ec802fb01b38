"""`flask --app run ledger …` commands."""
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The territorial card ledger.")


@ledger_cli.command("verify")
def verify_command():
    """Check the ledger's invariants; exit with status 1 on any problem."""
    from loyalty.verify import verify
    from marketplace.extensions import db

    problems = verify(db.session)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) found.", err=True)
        sys.exit(1)
    click.echo("Ledger OK.")


@ledger_cli.command("expire")
def expire_command():
    """Sweep expired grants and release stale holds (run daily, and every few minutes for holds)."""
    from flask import current_app

    from loyalty.holds import DEFAULT_HOLD_MAX_AGE, expire_holds
    from loyalty.ledger import expire_grants
    from marketplace.extensions import db

    minutes = current_app.config.get("LOYALTY_HOLD_MAX_AGE_MINUTES")
    max_age = DEFAULT_HOLD_MAX_AGE if minutes is None else timedelta(minutes=minutes)
    grants = expire_grants(db.session)
    holds = expire_holds(db.session, max_age=max_age)
    click.echo(f"{len(grants)} grant(s) expired, {len(holds)} hold(s) released.")
