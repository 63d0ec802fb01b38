"""The development console backend prints emails a developer can read and act on: accents as
written (not quoted-printable or base64), links and PIN codes whole on their line."""
import pytest

from marketplace import mail

LINK = "http://127.0.0.1:5000/carte/rattacher/" + "x" * 60
BODY = ("Bonjour Léa, les Aciéries de l'Auxois vous offrent une carte cadeau de 150,00 € "
        "à dépenser dans les commerces du territoire, votre Code PIN (à garder pour vous) : 4821\n"
        f"Rattachez-la à votre compte : {LINK}\n")


@pytest.fixture
def console(app):
    saved = app.config["MAIL_BACKEND"]
    app.config["MAIL_BACKEND"] = "console"
    yield app
    app.config["MAIL_BACKEND"] = saved


def test_console_email_is_decoded_with_the_pin_and_link_on_one_line(console, capsys):
    with console.app_context():
        mail.deliver("lea.zidane@example.fr", "Votre carte cadeau — Aciéries", BODY)
    printed = capsys.readouterr().out
    assert "Subject: Votre carte cadeau — Aciéries" in printed
    assert "To: lea.zidane@example.fr" in printed
    lines = printed.splitlines()
    assert any(line.endswith("Code PIN (à garder pour vous) : 4821") for line in lines)
    assert f"Rattachez-la à votre compte : {LINK}" in lines
    assert "=C3" not in printed and "=\n" not in printed and "Content-Transfer-Encoding" not in printed


def test_the_memory_backend_still_keeps_the_real_message(app):
    with app.app_context():
        message = mail.deliver("lea.zidane@example.fr", "Carte", BODY)
        assert message in mail.outbox()
    assert message.get_content() == BODY
