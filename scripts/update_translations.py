"""Re-extract the UI strings and merge them into the English catalogue (French is the source).

Usage: .venv/bin/python scripts/update_translations.py   (then fill the empty msgstr in
translations/en/LC_MESSAGES/messages.po; `make translations` compiles).
"""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
pybabel = str(Path(sys.executable).with_name("pybabel"))
subprocess.run([pybabel, "extract", "-F", "babel.cfg", "-k", "_l", "--no-location", "-o", "translations/messages.pot", "."], cwd=ROOT, check=True)
subprocess.run([pybabel, "update", "-i", "translations/messages.pot", "-d", "translations", "--no-fuzzy-matching"], cwd=ROOT, check=True)
