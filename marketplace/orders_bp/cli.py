"""`flask --app run orders expire`: the periodic job of online orders (run it every few minutes)."""
import click
from flask.cli import AppGroup

orders_cli = AppGroup("orders", help="Online orders.")


@orders_cli.command("expire")
@click.option("--minutes", default=30, show_default=True, help="Age of an unpaid order before it fails.")
def expire_command(minutes: int):
    """Fail orders left unpaid (card holds and stock released), expire old locker codes and deposits,
    and try again the refunds of paid deposits that failed."""
    from datetime import timedelta

    from marketplace import lockers, orders

    failed = orders.expire_unpaid_orders(timedelta(minutes=minutes))
    codes = orders.expire_pickup_codes()
    deposits = lockers.expire_deposits()
    refunds = lockers.retry_refunds()
    click.echo(f"{failed} unpaid orders failed, {codes} locker codes expired, {deposits} locker deposits expired "
               f"(shops told), {refunds} failed deposit refunds made on a retry.")
