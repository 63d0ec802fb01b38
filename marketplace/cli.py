"""`flask --app run …` commands: territory import, demo seed; the ledger adds its own group."""
import click
from flask.cli import AppGroup

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


def register(app) -> None:
    from loyalty.cli import ledger_cli
    from search.cli import search_cli

    app.cli.add_command(territory_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(search_cli)
    from marketplace.admin.cli import settlement_cli

    app.cli.add_command(settlement_cli)
    from marketplace.orders_bp.cli import orders_cli

    app.cli.add_command(orders_cli)
