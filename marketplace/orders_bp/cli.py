"""`flask --app run orders expire`: the orders' and lockers' sweeps at once, by hand (the scheduler runs
them every few minutes: marketplace/periodic.py)."""
import click
from flask.cli import AppGroup

orders_cli = AppGroup("orders", help="Online orders.")


@orders_cli.command("expire")
@click.option("--minutes", type=int, help="Age of an unpaid order before it fails (default: ORDER_PAYMENT_MINUTES).")
def expire_command(minutes: int | None):
    """Fail orders left unpaid (card holds and stock released), expire old locker codes and deposits,
    and try again the refunds of paid deposits that failed."""
    from datetime import timedelta

    from flask import current_app

    from marketplace import lockers, orders

    failed, codes = orders.expire_stale(timedelta(minutes=minutes or current_app.config["ORDER_PAYMENT_MINUTES"]))
    deposits = lockers.expire_deposits()
    refunds = lockers.retry_refunds()
    click.echo(f"{failed} unpaid orders failed, {codes} locker codes expired, {deposits} locker deposits expired "
               f"(shops told), {refunds} failed deposit refunds made on a retry.")
