"""Outgoing text messages (SMS), through a small provider interface chosen by `SMS_BACKEND`.

Only the console backend exists for now: it logs the message and keeps it in the application's
`sms_outbox` (development, demo and tests read it there). A real provider is one more class with
a `send(to, body)` method, registered in BACKENDS. Messages leave through a background job, like
emails (marketplace/jobs.py)."""
import logging
import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import force_locale

log = logging.getLogger(__name__)


class SmsError(Exception):
    """A phone number that cannot receive a text message; the message is French."""


@dataclass(frozen=True)
class TextMessage:
    to: str  # E.164, "+33612345678"
    body: str


class ConsoleBackend:
    """Logs each message and keeps it in `sms_outbox` (no message leaves the machine)."""

    def send(self, message: TextMessage) -> None:
        log.info("SMS to %s: %s", message.to, message.body)
        outbox().append(message)


BACKENDS = {"console": ConsoleBackend}


def outbox() -> list[TextMessage]:
    return current_app.extensions.setdefault("sms_outbox", [])


def backend():
    name = current_app.config.get("SMS_BACKEND", "console")
    if name not in BACKENDS:
        raise RuntimeError(f"SMS_BACKEND={name!r}: one of {', '.join(BACKENDS)}")
    return BACKENDS[name]()


_SEPARATORS = re.compile(r"[\s.\-()]")


def normalise_phone(text: str) -> str:
    """A French number as typed ("06 12 34 56 78", "+33 6 12…", "0033…") in E.164; SmsError if it
    is not one (mobile or landline: the provider refuses what cannot receive texts)."""
    from flask_babel import gettext

    digits = _SEPARATORS.sub("", text or "")
    if digits.startswith("0033"):
        digits = "+33" + digits[4:]
    if digits.startswith("+33"):
        digits = "0" + digits[3:].lstrip("0")
    if not re.fullmatch(r"0[1-9]\d{8}", digits):
        raise SmsError(gettext("Numéro de téléphone : 10 chiffres, par exemple 06 12 34 56 78."))
    return "+33" + digits[1:]


def send_sms(to: str, body) -> None:
    """Queue a text message (body: a lazy text, rendered in French, the language of the territory's
    phone numbers)."""
    from marketplace import jobs
    from marketplace.i18n import DEFAULT_LANGUAGE

    with force_locale(DEFAULT_LANGUAGE):
        body = str(body)
    jobs.enqueue(deliver, to, body)


def deliver(to: str, body: str) -> TextMessage:
    """The job: hand one message to the provider."""
    message = TextMessage(to=to, body=body)
    backend().send(message)
    return message
