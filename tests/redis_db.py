"""The Redis database of the tests that run a real Celery worker or build a production-like app.
`make test` runs the SQLite and the PostgreSQL suites side by side, each with its own number
(TEST_REDIS_URL), so one run's flush never empties the other's queue."""

import os

REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/5"
