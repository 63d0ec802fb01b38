"""`flask --app run accounting …`: the FEC export and the monthly statement, for the accountant."""
from datetime import date, datetime

import click
from flask.cli import AppGroup

accounting_cli = AppGroup("accounting", help="Accounting exports of the card ledger.")


def _day(value: str, option: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter(f"expected YYYY-MM-DD, got {value!r}", param_hint=option) from None


@accounting_cli.command("fec")
@click.option("--from", "starts_on", required=True, help="First day (YYYY-MM-DD, Paris).")
@click.option("--to", "ends_on", required=True, help="Last day, included (YYYY-MM-DD).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="File to write.")
@click.option("--separator", type=click.Choice(["tab", "pipe"]), default="tab", show_default=True)
def fec_command(starts_on: str, ends_on: str, out: str, separator: str):
    """Write the FEC (Fichier des Écritures Comptables) of the period."""
    from marketplace import accounting

    first, last = _day(starts_on, "--from"), _day(ends_on, "--to")
    if missing := accounting.missing_chart_keys():
        raise click.ClickException(f"the chart of accounts has no line for: {', '.join(missing)}")
    try:
        summary = accounting.fec_summary(first, last)
        with open(out, "w", encoding="utf-8", newline="") as file:
            file.writelines(accounting.fec_records(first, last, separator))
    except accounting.AccountingError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{out}: {summary.entries} entries, {summary.lines} lines, debit = credit = "
               f"{accounting.fec_amount(summary.debit_cents)} EUR.")


@accounting_cli.command("statement")
@click.option("--month", required=True, help="The month (YYYY-MM).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="A .csv or .pdf file.")
def statement_command(month: str, out: str):
    """Write the monthly statement as CSV or PDF (by the file's extension)."""
    from marketplace import closing

    first = _day(f"{month}-01", "--month")
    statement = closing.statement(first)
    if out.lower().endswith(".pdf"):
        with open(out, "wb") as file:
            file.write(closing.statement_pdf(statement))
    elif out.lower().endswith(".csv"):
        with open(out, "w", encoding="utf-8", newline="") as file:
            file.write(closing.statement_csv(statement))
    else:
        raise click.BadParameter("the file must end in .csv or .pdf", param_hint="--out")
    click.echo(f"{out}: {'closed' if statement.locked else 'open'} month, outstanding credit "
               f"{statement.outstanding_cents / 100:.2f} EUR.")
