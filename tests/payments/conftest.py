"""The UBL 2.1 schemas, compiled once per session (tests/payments/ubl_schema.py)."""

import pytest

from tests.payments.ubl_schema import UblSchemas, ubl_schemas


@pytest.fixture(scope="session")
def ubl() -> UblSchemas:
    """Fails (never skips) when `make test` has not fetched the schemas."""
    return ubl_schemas()
