"""`flask --app run ledger …` commands."""
import sys
from datetime import timedelta

import click
from flask.cli import AppGroup

ledger_cli = AppGroup("ledger", help="The territorial card ledger.")


@ledger_cli.command("verify")
def verify_command():
    """Check the ledger's invariants; exit with status 1 on any problem."""
    from database import db
    from loyalty.verify import verify

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

    from database import db
    from loyalty.holds import DEFAULT_HOLD_MAX_AGE, expire_holds
    from loyalty.ledger import expire_grants

    minutes = current_app.config.get("LOYALTY_HOLD_MAX_AGE_MINUTES")
    max_age = DEFAULT_HOLD_MAX_AGE if minutes is None else timedelta(minutes=minutes)
    grants = expire_grants(db.session)
    holds = expire_holds(db.session, max_age=max_age)
    click.echo(f"{len(grants)} grant(s) expired, {len(holds)} hold(s) released.")


@ledger_cli.command("pin-keys")
def pin_keys_command():
    """How many cards' PINs each key of PIN_SECRETS holds; exit 1 when a key they need is missing.
    A PIN moves to the current key at its next right entry; retire a key once it holds none."""
    from database import db
    from loyalty import pins

    ring = pins.keys()
    counts = pins.stored_keys(db.session)
    missing = [key_id for key_id in counts if key_id != "legacy" and key_id not in ring.keys]
    for key_id in sorted(set(counts) | set(ring.keys)):
        note = " (current)" if key_id == ring.current else " (NOT CONFIGURED)" if key_id in missing else ""
        click.echo(f"{key_id}{note}: {counts.get(key_id, 0)} card(s)")
    if missing:
        sys.exit(1)
