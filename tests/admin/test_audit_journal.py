"""The admin's journal reads in words: each action's label, the object it is about, the amounts in
euros, what changed as « champ : ancien → nouveau » (nothing when nothing changed); rows already
stored keep their summary as it was written."""
import html
import re
from datetime import date
from pathlib import Path

from loyalty.clock import paris_day, utc_now
from loyalty.money import euros
from marketplace import audit, topup_programmes
from marketplace.extensions import db
from marketplace.models import AuditEvent, User
from tests.conftest import login


def _journal(client) -> str:
    return html.unescape(client.get("/admin/journal").get_data(as_text=True))


def _row(page: str, text: str) -> str:
    """The table row holding `text`."""
    end = page.index("</tr>", page.index(text))
    return page[page.rindex("<tr>", 0, end):end]


def test_a_programme_s_creation_reads_in_words_and_euros(app, territory, client):
    with app.app_context():
        today = paris_day(utc_now())
        admin = db.session.scalar(db.select(User).filter_by(email=territory.admin_email))
        programme = topup_programmes.create(topup_programmes.ProgrammeTerms(
            name="Noël des Vitrines", budget_cents=500_000, rate_percent=20, cap_per_purchase_cents=2_000,
            cap_per_person_cents=4_000, starts_on=today, ends_on=date(today.year + 1, 1, 31),
            allowed_categories=None, allowed_communes=None), admin=admin)
        programme_id = programme.id
        event = db.session.scalar(db.select(AuditEvent).filter_by(action="topup_programme.create"))
        assert event.summary == f"Programme d'abondement Noël des Vitrines : budget {euros(500_000)}"
    login(client, territory.admin_email)
    page = _journal(client)
    row = _row(page, "Noël des Vitrines")
    assert "Programme d'abondement créé" in row and f"Programme d'abondement n° {programme_id}" in row
    assert "5 000,00" in row.replace("\u202f", " ").replace("\xa0", " ")
    assert "topup_programme.create" not in page and "TopUpProgramme" not in page and "500000" not in page
    assert "— → —" not in row and "null" not in row


def test_before_and_after_are_read_as_fields_that_changed(app, territory, client):
    login(client, territory.admin_email)
    client.post(f"/admin/suspensions/commerce/{territory.fournil_id}", data={"reason": "Fermeture administrative"})
    page = _journal(client)
    row = _row(page, "suspendu : Fermeture administrative")
    assert "Commerce suspendu" in row and f"Commerce n° {territory.fournil_id}" in row
    assert "état : validé → suspendu" in row and "motif : — → Fermeture administrative" in row
    assert '{"status"' not in page and "shop.suspend" not in page


def test_rows_already_stored_keep_their_summary_and_read_in_words(app, territory, client):
    """A row written before: its summary as it was (raw cents included), its code in words, and an
    unknown action shown as its code; no « — → — » when it recorded no before nor after."""
    with app.app_context():
        db.session.add_all([
            AuditEvent(actor="admin@example.fr", action="topup_programme.update", target_type="TopUpProgramme",
                       target_id=7, summary="Programme d'abondement Été modifié (budget 250000 c)",
                       before=None, after=None),
            AuditEvent(actor="system", action="something.new", target_type="Territory", target_id=None,
                       summary="Une action d'une version à venir", before={"flag": True}, after={"flag": True})])
        db.session.commit()
    login(client, territory.admin_email)
    page = _journal(client)
    old = _row(page, "Été modifié")
    assert "(budget 250000 c)" in old  # never edited
    assert "Programme d'abondement modifié" in old and "Programme d'abondement n° 7" in old
    assert "→" not in old.split("Été modifié")[1]
    unknown = _row(page, "Une action d'une version à venir")
    assert "something.new" in unknown and "Territoire" in unknown
    assert "→" not in unknown.split("version à venir")[1]  # nothing changed, nothing shown


def test_changes_flatten_snapshots_name_fields_and_show_amounts_in_euros(app):
    with app.test_request_context():
        before = {"status": "draft", "commission_bps": 300,
                  "statements": {"4": {"gross": 10_000, "payout": 9_700, "status": "draft"}}}
        after = {"status": "paid", "commission_bps": 300,
                 "statements": {"4": {"gross": 10_000, "payout": 9_700, "status": "paid"}}}
        lines = [(c.field, c.before, c.after) for c in audit.changes(before, after)]
        assert lines == [("état", "brouillon", "payé"), ("relevé du commerce › 4 › état", "brouillon", "payé")]
        lines = [(c.field, c.before, c.after) for c in audit.changes(
            {"is_admin": False, "pin_required_above_cents": None},
            {"is_admin": True, "pin_required_above_cents": 2_000})]
        assert lines[0] == ("administrateur", "non", "oui")
        assert lines[1][:2] == ("PIN exigé au-delà de", "—") and re.fullmatch(r"20,00\s€", lines[1][2])
        assert audit.changes({"closed_through": None}, {}) == [] and audit.changes(None, None) == []
        assert audit.action_label("shop.approve") == "Commerce validé"
        assert audit.action_label("unknown.code") == "unknown.code"
        assert audit.target_label("Shop", 3) == "Commerce n° 3"
        assert audit.target_label("Territory", None) == "Territoire"



def test_every_action_the_code_records_has_its_words_in_the_journal():
    """An action recorded without a label would show the admin its code ("shop.rename")."""
    root = Path(__file__).resolve().parents[2]
    sources = [*root.joinpath("marketplace").rglob("*.py"), *root.joinpath("loyalty").rglob("*.py")]
    written = {code for source in sources for code in re.findall(r'audit\.record\(\s*"([a-z_]+\.[a-z_]+)"',
                                                                 source.read_text(encoding="utf-8"))}
    assert len(written) > 40  # the pattern still finds them
    assert written - set(audit.ACTION_LABELS) == set()
