"""Entry point: `python run.py` serves Halle; `flask --app run …` runs its commands."""
import os

from marketplace import create_app

app = create_app(os.environ.get("HALLE_CONFIG", "development"))

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", 5000)))
