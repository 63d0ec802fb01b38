"""Outgoing email. Backends: console (development), memory (tests), smtp (production).

`send_mail` queues the message as a background job (marketplace/jobs.py); `deliver` sends it.
"""
import smtplib
from email.message import EmailMessage

from flask import current_app


def outbox() -> list[EmailMessage]:
    """Messages sent with the memory backend (tests read them here)."""
    return current_app.extensions.setdefault("mail_outbox", [])


def send_mail(to: str, subject: str, body: str) -> None:
    """Send in the background (a worker, a thread, or right away in tests and inside a job)."""
    from marketplace import jobs

    jobs.enqueue(deliver, to, subject, body)


def deliver(to: str, subject: str, body: str) -> EmailMessage:
    """The job: build and send one message (a retried job may send it twice, never loses it)."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
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
        print(f"\n----- email -----\n{message}\n-----------------\n", flush=True)
    return message
