"""Staff list import: French CSV variants and XLSX, per-line errors, upsert by matricule, archive."""
import io
from html import unescape

import pytest
from openpyxl import Workbook

from marketplace.extensions import db
from marketplace.models import Employee
from marketplace.staff_import import ImportFileError, apply_staff_import, read_staff_file

HEADER = "Matricule;Nom;Prénom;E-mail;Enfants -16 ans;Enfants -26 ans"


def employees(employer_id):
    rows = db.session.query(Employee).filter_by(employer_id=employer_id).order_by(Employee.external_id).all()
    return {e.external_id: e for e in rows}


def csv_bytes(lines, encoding="utf-8", sep=";"):
    return "\r\n".join(line.replace(";", sep) for line in lines).encode(encoding)


@pytest.mark.parametrize("encoding,sep", [("cp1252", ";"), ("utf-8-sig", ";"), ("utf-8", ","), ("utf-8-sig", ",")])
def test_french_csv_variants_are_read(app_ctx, hr_world, encoding, sep):
    data = csv_bytes([HEADER, "M010;Lefèvre;Hélène;helene@example.fr;1;2", "M011;Noël;Zoé;;0;0"], encoding, sep)
    plan = read_staff_file(data, "personnel.csv", hr_world["employer_id"])
    assert plan.ok, plan.errors
    apply_staff_import(plan, hr_world["employer_id"])
    people = employees(hr_world["employer_id"])
    assert people["M010"].first_name == "Hélène" and people["M010"].last_name == "Lefèvre"
    assert people["M010"].children_under_16 == 1 and people["M010"].children_under_26 == 2
    assert people["M011"].last_name == "Noël" and people["M011"].email is None


def test_xlsx_is_read(app_ctx, hr_world):
    book = Workbook()
    sheet = book.active
    sheet.append(["Matricule", "Nom", "Prénom", "Email", "Nb enfants < 16 ans"])
    sheet.append(["M020", "Durand", "Paul", "paul@example.fr", 3])
    sheet.append([21, "Roux", "Inès", None, None])
    buffer = io.BytesIO()
    book.save(buffer)
    plan = read_staff_file(buffer.getvalue(), "staff.xlsx", hr_world["employer_id"])
    assert plan.ok, plan.errors
    apply_staff_import(plan, hr_world["employer_id"])
    people = employees(hr_world["employer_id"])
    assert people["M020"].children_under_16 == 3
    assert people["21"].first_name == "Inès"


def test_errors_name_line_and_field_and_nothing_is_imported(app_ctx, hr_world):
    data = csv_bytes([HEADER, "M030;Blanc;Marc;marc@example.fr;0;0", "M031;;Julie;julie@;x;0",
                      "M030;Blanc;Marc;;0;0"])
    plan = read_staff_file(data, "personnel.csv", hr_world["employer_id"])
    messages = [str(e) for e in plan.errors]
    assert "Ligne 3, Nom : ce champ est obligatoire." in messages
    assert "Ligne 3, E-mail : adresse invalide « julie@ »." in messages
    assert any(m.startswith("Ligne 3, Enfants de moins de 16 ans : un nombre entier") for m in messages)
    assert "Ligne 4, Matricule : le matricule « M030 » figure déjà ligne 2." in messages
    assert not plan.ok
    with pytest.raises(ValueError):
        apply_staff_import(plan, hr_world["employer_id"])
    assert "M030" not in employees(hr_world["employer_id"])


def test_line_errors_in_english_name_the_file_s_column(app, hr_world):
    data = csv_bytes([HEADER, "M031;;Julie;julie@;x;0"])
    with app.test_request_context("/?lang=en"):
        messages = [str(e) for e in read_staff_file(data, "personnel.csv", hr_world["employer_id"]).errors]
    assert "Line 2, Nom: this field is required." in messages
    assert "Line 2, E-mail: invalid address “julie@”." in messages


def test_the_columns_the_english_page_names_are_read(app, hr_client, hr_world):
    page = hr_client.post(f"/entreprise/{hr_world['employer_id']}/salaries/import?lang=en",
                          data={"file": (io.BytesIO(b"Last name;First name\nRoy;Lea\n"), "staff.csv")},
                          content_type="multipart/form-data").get_data(as_text=True)
    assert "must name the columns (Matricule, Nom, Prénom, E-mail…, or Employee ID, Last name, First name" in page
    data = csv_bytes(["Employee ID;Last name;First name;Email", "M070;Roy;Léa;lea@example.fr"])
    with app.test_request_context("/?lang=en"):
        plan = read_staff_file(data, "staff.csv", hr_world["employer_id"])
    assert not plan.missing_columns and plan.ok


def test_missing_columns_and_unreadable_files(app_ctx, hr_world):
    plan = read_staff_file(b"Nom;Prenom\nMartin;Claire\n", "x.csv", hr_world["employer_id"])
    assert plan.missing_columns == ["Matricule"] and not plan.ok
    with pytest.raises(ImportFileError):
        read_staff_file(b"", "x.csv", hr_world["employer_id"])
    with pytest.raises(ImportFileError):
        read_staff_file(b"PK\x03\x04 not really a workbook", "x.xlsx", hr_world["employer_id"])


def test_reimport_updates_by_matricule_and_archives_who_left(app_ctx, hr_world):
    employer_id = hr_world["employer_id"]
    data = csv_bytes([HEADER, "M001;Martin;Claire;claire.martin@example.fr;3;3", "M002;Bernard;Luc;luc@example.fr;0;1",
                      "M040;Simon;Léa;lea@example.fr;0;0"])
    plan = read_staff_file(data, "personnel.csv", employer_id)
    assert plan.ok
    assert [line.values["external_id"] for line in plan.creations] == ["M040"]
    assert [line.values["external_id"] for line in plan.updates] == ["M001"]
    assert plan.unchanged == 1
    assert [e.external_id for e in plan.to_archive] == ["M003"]
    counts = apply_staff_import(plan, employer_id, archive_missing=True)
    assert counts == {"created": 1, "updated": 1, "archived": 1}
    people = employees(employer_id)
    assert len(people) == 4
    assert people["M001"].email == "claire.martin@example.fr" and people["M001"].children_under_16 == 3
    assert people["M003"].archived
    # The same file again changes nothing and never duplicates.
    again = read_staff_file(data, "personnel.csv", employer_id)
    assert again.creations == [] and again.updates == [] and again.unchanged == 3
    assert len(employees(employer_id)) == 4


def test_import_pages_preview_then_confirm(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    data = csv_bytes([HEADER, "M050;Garnier;Tom;tom@example.fr;0;0"], "cp1252")
    page = hr_client.post(f"/entreprise/{employer_id}/salaries/import",
                          data={"file": (io.BytesIO(data), "personnel.csv")}, content_type="multipart/form-data")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Garnier" in html and 'data-testid="import-created">1<' in html
    token = html.split('name="token" type="hidden" value="')[1].split('"')[0]
    with app.app_context():
        assert "M050" not in employees(employer_id)  # nothing written by the preview
    done = hr_client.post(f"/entreprise/{employer_id}/salaries/import/confirmer", data={"token": token},
                          follow_redirects=True)
    assert "Import terminé : 1 salarié ajouté, 0 mis à jour, 0 archiv" in unescape(done.get_data(as_text=True))
    with app.app_context():
        assert employees(employer_id)["M050"].first_name == "Tom"


def test_the_preview_says_what_changes_and_who_would_be_archived(app, hr_client, hr_world):
    """HR sees each change in its own words (old → new), everyone the file leaves out by full name,
    and a warning when the file names fewer people than it would archive."""
    employer_id = hr_world["employer_id"]
    data = csv_bytes([HEADER, "M001;Martin;Claire;claire.martin@example.fr;3;2"])
    page = hr_client.post(f"/entreprise/{employer_id}/salaries/import",
                          data={"file": (io.BytesIO(data), "personnel.csv")}, content_type="multipart/form-data")
    html = unescape(page.get_data(as_text=True))
    change = html.split('data-testid="staff-change">')[1].split("</td>")[0]
    assert change == ("E-mail : claire@example.fr → claire.martin@example.fr ; "
                      "Enfants de moins de 16 ans : 2 → 3")
    absent = html.split('data-testid="staff-absent">')[1].split("</details>")[0]
    assert "2 salariés de votre liste absents du fichier" in absent
    assert "Bernard Luc <small>(M002)</small>" in absent and "Petit Anne <small>(M003)</small>" in absent
    assert "ce fichier ne nomme que 1 salarié ;" in html
    assert "Cocher la case archive ces 2 salariés" in html
    assert 'aria-describedby="archive-consequence"' in html

    # A whole list: no warning; past 50 changed lines, the rest are counted.
    many = [HEADER, "M001;Martin;Claire;claire@example.fr;2;2"] + [
        f"N{n:03};Nom{n};Prénom{n};;0;0" for n in range(60)]
    page = hr_client.post(f"/entreprise/{employer_id}/salaries/import",
                          data={"file": (io.BytesIO(csv_bytes(many)), "personnel.csv")},
                          content_type="multipart/form-data")
    html = unescape(page.get_data(as_text=True))
    assert html.count('data-testid="staff-change"') == 50
    assert "… et 10 autres lignes, importées de la même façon." in html
    assert "ne nomme que" not in html and "Cocher la case archive ces 2 salariés" in html
    with app.app_context():
        assert len(employees(employer_id)) == 3  # the previews wrote nothing


def test_import_page_shows_line_errors(hr_client, hr_world):
    data = csv_bytes([HEADER, "M060;Faure;;x@example.fr;0;0"])
    page = hr_client.post(f"/entreprise/{hr_world['employer_id']}/salaries/import",
                          data={"file": (io.BytesIO(data), "personnel.csv")}, content_type="multipart/form-data")
    html = page.get_data(as_text=True)
    assert "Ligne 2, Prénom : ce champ est obligatoire." in html
    assert "1 erreur : rien n'a été importé" in html


def test_sending_no_file_asks_for_the_staff_list(hr_client, hr_world):
    url = f"/entreprise/{hr_world['employer_id']}/salaries/import"
    for data in ({}, {"file": (io.BytesIO(b""), "")}):  # no part at all, or a browser's empty file input
        html = unescape(hr_client.post(url, data=data, content_type="multipart/form-data").get_data(as_text=True))
        assert '<small id="file-error" class="field-error">Choisissez le fichier de la liste du personnel.</small>' \
            in html
        assert "Le fichier est vide." not in html


def test_add_edit_and_archive_one_employee(app, hr_client, hr_world):
    employer_id = hr_world["employer_id"]
    response = hr_client.post(f"/entreprise/{employer_id}/salaries/nouveau", data={
        "external_id": "M070", "last_name": "Colin", "first_name": "Eva", "email": "eva@example.fr",
        "children_under_16": "1", "children_under_26": "1"})
    assert response.status_code == 302
    duplicate = hr_client.post(f"/entreprise/{employer_id}/salaries/nouveau", data={
        "external_id": "M070", "last_name": "X", "first_name": "Y"})
    assert "déjà celui d&#39;un autre salarié" in duplicate.get_data(as_text=True)
    with app.app_context():
        eva = employees(employer_id)["M070"]
        eva_id = eva.id
    hr_client.post(f"/entreprise/{employer_id}/salaries/{eva_id}", data={
        "external_id": "M070", "last_name": "Colin-Roy", "first_name": "Eva", "email": "",
        "children_under_16": "0", "children_under_26": "0"})
    hr_client.post(f"/entreprise/{employer_id}/salaries/{eva_id}/archiver")
    with app.app_context():
        eva = db.session.get(Employee, eva_id)
        assert eva.last_name == "Colin-Roy" and eva.email is None and eva.archived
    listing = hr_client.get(f"/entreprise/{employer_id}/salaries?q=colin").get_data(as_text=True)
    assert ">Colin-Roy</td>" not in listing  # archived people are listed apart
    assert ">Colin-Roy</td>" in hr_client.get(f"/entreprise/{employer_id}/salaries?archives=1").get_data(as_text=True)


def test_other_company_cannot_reach_employees(app, hr_world):
    from tests.conftest import login

    client = app.test_client()
    login(client, "otherhr@example.fr")
    employer_id = hr_world["employer_id"]
    assert client.get(f"/entreprise/{employer_id}/salaries").status_code == 403
    other_client_employee = hr_world["employees"]["M001"]
    assert client.get(f"/entreprise/{hr_world['other_employer_id']}/salaries/{other_client_employee}").status_code == 404


@pytest.mark.parametrize("name", ["far cell", "huge shared string", "long csv"])
def test_a_hostile_staff_file_is_refused_naming_the_limit_and_nothing_changes(app, hr_client, hr_world, name):
    """The staff import reads files with the catalogue's reader, within the same limits."""
    from marketplace.models import PendingUpload
    from tests.hostile_files import HOSTILE, plain

    filename, build, message = HOSTILE[name]
    page = hr_client.post(f"/entreprise/{hr_world['employer_id']}/salaries/import",
                          data={"file": (io.BytesIO(build()), filename)}, content_type="multipart/form-data")
    assert page.status_code == 200 and message in plain(page.get_data(as_text=True))
    with app.app_context():
        assert sorted(employees(hr_world["employer_id"])) == ["M001", "M002", "M003"]
        assert PendingUpload.query.count() == 0
