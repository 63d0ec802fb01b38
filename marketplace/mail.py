"""Outgoing email. Backends: console (development), memory (tests), smtp (production).

`send_mail` writes the message in the recipient's language, then queues it as a background job
(marketplace/jobs.py); `deliver` sends it.
"""
import smtplib
from email.message import EmailMessage

from flask import current_app
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from sqlalchemy import select

from marketplace.extensions import db
from marketplace.formatting import day, money
from marketplace.i18n import DEFAULT_LANGUAGE, LANGUAGES
from marketplace.models import User


def outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend (tests read them here)."""
    return current_app.extensions.setdefault("mail_outbox", [])


def recipient_locale(email: str) -> str:
    """The language of the account with this address (User.locale), else French."""
    locale = db.session.scalar(select(User.locale).where(User.email == (email or "").strip().lower()))
    return locale if locale in LANGUAGES else DEFAULT_LANGUAGE


def amount(cents: int) -> LazyString:
    """Money for a lazy subject or body: formatted when the message is written, so in the
    recipient's language ("12,50 €", "€12.50")."""
    return LazyString(money, cents)


def date(value) -> LazyString:
    """A date for a lazy subject or body, written the recipient's way (28/02/2027, 2/28/2027)."""
    return LazyString(day, value)


def joined(parts, separator: str = "") -> LazyString:
    """Several lazy texts as one (a line per shop of an order…), rendered with the message."""
    parts = list(parts)
    return LazyString(lambda: separator.join(str(part) for part in parts))


def send_mail(to: str, subject, body, attachments=(), locale: str | None = None) -> None:
    """Send in the background (a worker, a thread, or right away in tests and inside a job).

    `subject` and `body` are lazy texts (marketplace.i18n.lazy_gettext, with `amount` for money):
    they are rendered here in the recipient's language, and the job gets plain strings.
    `attachments`: (file name, MIME type, bytes) triples (a gift card's PDF). `locale`: for an address
    no account has yet (a new login e-mail to confirm), the language of the person it is for."""
    from marketplace import jobs

    with force_locale(locale if locale in LANGUAGES else recipient_locale(to)):
        subject, body = str(subject), str(body)
    jobs.enqueue(deliver, to, subject, body, [tuple(a) for a in attachments])


def deliver(to: str, subject: str, body: str, attachments=()) -> EmailMessage:
    """The job: build and send one message (a retried job may send it twice, never loses it)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    for filename, mime_type, content in attachments:
        maintype, _, subtype = mime_type.partition("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox().append(message)
    elif backend == "smtp":
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
            smtp.send_message(message)
    else:
        print(console_text(message), flush=True)
    return message


def console_text(message: EmailMessage) -> str:
    """A message as a developer reads it on the console: the headers and the body as written,
    decoded (not the quoted-printable or base64 of the wire, which splits long lines, codes or
    links with '=' and turns accents into =C3=A9)."""
    headers = "\n".join(f"{name}: {message[name]}" for name in ("From", "To", "Subject"))
    body = message.get_body(("plain",)) if message.is_multipart() else message
    files = "".join(f"\n[{part.get_filename()}]" for part in message.iter_attachments()) if message.is_multipart() else ""
    return f"\n----- email -----\n{headers}\n\n{body.get_content().rstrip()}{files}\n-----------------\n"
