"""Entry point for Celery: `celery -A app.worker worker` (and `beat` for the retry sweep)."""

from app import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
