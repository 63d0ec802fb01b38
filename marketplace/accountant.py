"""Each month's books sent to the territory's accountant with no click: from the 1st (the
scheduler's daily run), the month before's FEC (zipped), its statement as PDF and CSV
(marketplace/accounting.py, closing.py) go to the address the admin gave, once per month.
Without an address nothing is sent."""
import io
import logging
import zipfile
from datetime import date

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext

from loyalty.clock import paris_day, utc_now
from loyalty.closing import month_start
from marketplace import accounting, audit, closing
from marketplace.extensions import db
from marketplace.i18n import lazy_gettext
from marketplace.mail import send_mail
from marketplace.models import TerritorySettings
from marketplace.settings import SettingsError, settings_row

log = logging.getLogger(__name__)


def accountant_email() -> str | None:
    row = settings_row()
    return row.accountant_email if row else None


def last_month_sent() -> str | None:
    row = settings_row()
    return row.accountant_month_sent if row else None


def set_accountant_email(text: str, *, actor) -> str | None:
    """The address the books go to; empty: none (nothing is sent). Refused with SettingsError."""
    text = (text or "").strip()
    email = None
    if text:
        try:
            email = validate_email(text, check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            raise SettingsError("accountant_email", gettext(
                "E-mail du cabinet comptable : adresse invalide « %(email)s ».", email=text)) from None
    row = settings_row()
    if row is None:
        row = TerritorySettings()
        db.session.add(row)
    row.accountant_email = email
    audit.record("settings.accountant", row, actor=actor,
                 summary=f"Envoi mensuel au cabinet comptable : {email or 'aucun'}")
    db.session.commit()
    return email


def fec_zip(first: date, last: date) -> tuple[str, bytes]:
    """The period's FEC, zipped (a month of a busy territory runs to megabytes of text)."""
    name = accounting.fec_filename(last)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, "".join(accounting.fec_records(first, last)))
    return f"{name}.zip", buffer.getvalue()


def send_last_month(today: date | None = None) -> str | None:
    """Send the month before `today` (Paris) if an address is set and it was not sent yet; the
    month sent (YYYY-MM), or None. Recorded after the mail is queued: a crash in between sends it
    twice, never loses it. A chart of accounts missing an account is reported instead."""
    email = accountant_email()
    if not email:
        return None
    today = today or paris_day(utc_now())
    first = month_start(date.fromordinal(month_start(today).toordinal() - 1))
    key = f"{first:%Y-%m}"
    if (last_month_sent() or "") >= key or first < closing.months()[-1]:
        return None  # sent already, or before the territory's first entry (nothing to send)
    if missing := accounting.missing_chart_keys():
        log.error("books of %s not sent to the accountant: the chart has no account for %s", key, missing)
        return None
    last = closing.last_day(first)
    statement = closing.statement(first)
    fec_name, fec = fec_zip(first, last)
    send_mail(email, lazy_gettext("Comptabilité de la carte du territoire : %(month)s", month=f"{first:%m/%Y}"),
              lazy_gettext("Bonjour,\n\nVoici les écritures de la carte du territoire du mois de %(month)s : le "
                           "FEC (fichier des écritures comptables, zippé) et le relevé mensuel (PDF et CSV).\n"
                           "Ce mois est %(state)s.\n\nCe message part chaque mois sans intervention ; pour ne "
                           "plus le recevoir, demandez-le à l'administration du territoire.\n",
                           month=f"{first:%m/%Y}", state=lazy_gettext("clôturé") if statement.locked
                           else lazy_gettext("encore ouvert : après vos vérifications, l'administration le clôture")),
              attachments=[(fec_name, "application/zip", fec),
                           (f"releve-mensuel-{key}.pdf", "application/pdf", closing.statement_pdf(statement)),
                           (f"releve-mensuel-{key}.csv", "text/csv", closing.statement_csv(statement).encode())])
    row = settings_row()
    row.accountant_month_sent = key
    db.session.commit()
    return key
