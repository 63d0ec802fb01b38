"""Import files built to exhaust a worker are refused, saying which limit they break, with little
memory, and several at once do not take the site down."""
import io
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import requests
from werkzeug.serving import make_server

from marketplace import product_import
from marketplace.extensions import db
from marketplace.models import PendingUpload, Product
from marketplace.spreadsheets import ImportFileError
from tests.conftest import login
from tests.hostile_files import HOSTILE, plain

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_file_is_refused_naming_the_limit(app, name):
    filename, build, message = HOSTILE[name]
    with app.test_request_context(), pytest.raises(ImportFileError) as refused:
        product_import.read_table(build(), filename)
    assert message in plain(str(refused.value))


def test_reading_hostile_files_takes_little_memory(tmp_path):
    """The files read in a fresh process: the peak memory of each read (VmHWM, reset before each
    one; unlike ru_maxrss it does not inherit the parent's), less what the process held before,
    stays small (the files of the issue took 2.8 GB, and 1.55 GB for the CSV)."""
    names = ("far cell", "huge shared string", "many rows", "long csv")
    for index, name in enumerate(names):
        (tmp_path / str(index)).write_bytes(HOSTILE[name][1]())
    script = (
        "import re, sys\n"
        "from flask import Flask\n"
        "from flask_babel import Babel\n"
        "import openpyxl, lxml.etree  # imported before measuring\n"
        "from marketplace.spreadsheets import ImportFileError, read_rows\n"
        "def kb(field): return int(re.search(field + r':\\s+(\\d+)', open('/proc/self/status').read()).group(1))\n"
        "app = Flask('probe'); app.config['BABEL_DEFAULT_LOCALE'] = 'fr'; Babel(app)\n"
        "for path, filename in zip(sys.argv[1::2], sys.argv[2::2]):\n"
        "    data = open(path, 'rb').read()\n"
        "    open('/proc/self/clear_refs', 'w').write('5')  # resets VmHWM\n"
        "    before = kb('VmRSS')\n"
        "    with app.test_request_context():\n"
        "        try:\n"
        "            read_rows(data, filename); print('read')\n"
        "        except ImportFileError as error:\n"
        "            print(error)\n"
        "    print(kb('VmHWM') - before)\n"
    )
    arguments = [part for index, name in enumerate(names) for part in (str(tmp_path / str(index)), HOSTILE[name][0])]
    out = subprocess.run([sys.executable, "-c", script, *arguments], cwd=ROOT, capture_output=True, text=True,
                         check=True).stdout.splitlines()
    for index, name in enumerate(names):
        refusal, grown_kb = out[2 * index], int(out[2 * index + 1])
        assert HOSTILE[name][2] in plain(refusal), (name, refusal)
        assert grown_kb < 100 * 1024, f"{name}: {grown_kb // 1024} MB"


def test_the_upload_page_refuses_a_hostile_file_and_keeps_nothing(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    filename, build, message = HOSTILE["far cell"]
    response = client.post(f"/boutique/{shop_world['bakery']}/import", data={"file": (io.BytesIO(build()), filename)},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and message in plain(response.get_data(as_text=True))
    with app.app_context():
        assert PendingUpload.query.count() == 0
        assert [p.name for p in Product.query.filter_by(shop_id=shop_world["bakery"])] == ["Pain de campagne"]


def test_a_file_that_turns_hostile_in_the_job_fails_the_import_saying_why(app, client, shop_world):
    """The job reads the stored file again, within the same limits."""
    login(client, shop_world["emails"]["owner"])
    review_url = client.post(f"/boutique/{shop_world['bakery']}/import",
                             data={"file": (io.BytesIO("Réf;Désignation;Prix TTC\nZ1;Sablés;3,20\n".encode()),
                                            "sables.csv")},
                             content_type="multipart/form-data").headers["Location"]
    with app.app_context():
        upload = PendingUpload.query.one()
        upload.content, upload.filename = HOSTILE["long cell"][1](), "sables.xlsx"
        upload.status, upload.mapping = "queued", {"sku": 0, "name": 1, "price": 2}
        db.session.commit()
        product_import.run_import(upload.id)
    page = plain(client.get(f"{review_url}/suivi").get_data(as_text=True))
    assert "Ligne 12, colonne C : cellule trop longue" in page and 'data-job-status="failed"' in page
    with app.app_context():
        assert Product.query.filter_by(shop_id=shop_world["bakery"]).count() == 1


def test_a_body_above_the_limit_gets_the_french_413_page(app, client, shop_world):
    login(client, shop_world["emails"]["owner"])
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post(f"/boutique/{shop_world['bakery']}/import",
                           data={"file": (io.BytesIO(too_big), "catalogue.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "L'envoi dépasse 25 Mo : rien n'a été enregistré." in response.get_data(as_text=True)


def test_several_hostile_uploads_at_once_leave_the_site_answering(app, shop_world):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        session = requests.Session()
        response = session.post(f"{base}/connexion", data={"email": shop_world["emails"]["owner"],
                                                           "password": "motdepasse-solide"}, allow_redirects=False)
        assert response.status_code == 302
        files = {name: (HOSTILE[name][0], HOSTILE[name][1]()) for name in
                 ("far cell", "huge shared string", "many rows", "long csv")}
        answers = {}

        def send(name):
            filename, data = files[name]
            answers[name] = session.post(f"{base}/boutique/{shop_world['bakery']}/import",
                                         files={"file": (filename, data)}, timeout=120)

        senders = [threading.Thread(target=send, args=(name,)) for name in files]
        for sender in senders:
            sender.start()
        for sender in senders:
            sender.join()
        for name, answer in answers.items():
            assert answer.status_code == 200 and HOSTILE[name][2] in plain(answer.text), name
        assert len(answers) == len(files)
        assert requests.get(f"{base}/", timeout=30).status_code == 200
    finally:
        server.shutdown()
    with app.app_context():
        assert PendingUpload.query.count() == 0
