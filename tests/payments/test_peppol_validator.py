"""Before any invoice of ours is checked, the checker itself is proved on the official examples
beside the rules: every example is valid against the OASIS UBL 2.1 XML schemas, the Peppol
examples pass both rule sets, CEN's own examples pass the CEN rules (and are refused by
Peppol's, which ask for what CEN leaves optional), and broken copies fail with the schema or
the rule that was broken."""

import re

import pytest

from tests.payments.peppol_rules import EXAMPLES, validator
from tests.payments.ubl_schema import UblSchemas

PEPPOL_EXAMPLES = sorted(EXAMPLES.glob("peppol-*.xml"))
CEN_EXAMPLES = sorted(EXAMPLES.glob("cen-*.xml"))


def ids(findings) -> set[str]:
    return {f.id for f in findings}


def test_the_official_examples_are_all_there():
    assert len(PEPPOL_EXAMPLES) == 6 and len(CEN_EXAMPLES) == 2


@pytest.mark.parametrize("path", PEPPOL_EXAMPLES, ids=lambda p: p.name)
def test_every_official_peppol_example_passes_both_rule_sets(path):
    assert validator().fatal(path.read_bytes()) == []


@pytest.mark.parametrize("path", CEN_EXAMPLES, ids=lambda p: p.name)
def test_cen_examples_pass_the_cen_rules_and_peppol_asks_for_more(path):
    findings = validator().fatal(path.read_bytes())
    assert [f for f in findings if f.rules == "EN16931"] == []
    # CEN's examples carry CEN's specification identifier, not Peppol's.
    assert "PEPPOL-EN16931-R004" in ids(findings)


def base() -> str:
    return (EXAMPLES / "peppol-base-example.xml").read_text(encoding="utf-8")


def test_an_invoice_without_customization_id_fails_both_rule_sets():
    broken = re.sub(r"<cbc:CustomizationID>.*?</cbc:CustomizationID>", "", base())
    findings = validator().fatal(broken.encode())
    assert "BR-01" in ids(f for f in findings if f.rules == "EN16931")
    assert "PEPPOL-EN16931-R004" in ids(f for f in findings if f.rules == "Peppol")


def test_a_swedish_seller_with_a_wrong_check_digit_fails_the_swedish_rule():
    """SE-R-013 runs one of the Schematron's own functions (u:checkSEOrgnr)."""
    document = base().replace(
        "<cbc:IdentificationCode>GB</cbc:IdentificationCode>",
        "<cbc:IdentificationCode>SE</cbc:IdentificationCode>", 1)
    good = document.replace("<cbc:CompanyID>GB983294</cbc:CompanyID>",
                            "<cbc:CompanyID>5567321707</cbc:CompanyID>")
    bad = document.replace("<cbc:CompanyID>GB983294</cbc:CompanyID>",
                           "<cbc:CompanyID>5567321708</cbc:CompanyID>")
    assert "SE-R-013" not in ids(validator().fatal(good.encode()))
    assert "SE-R-013" in ids(validator().fatal(bad.encode()))


def test_totals_that_do_not_add_up_fail():
    broken = base().replace('<cbc:PayableAmount currencyID="EUR">', '<cbc:PayableAmount '
                            'currencyID="EUR">1', 1)
    assert "BR-CO-16" in ids(validator().fatal(broken.encode()))


def test_an_unknown_electronic_address_scheme_fails():
    broken = base().replace('<cbc:EndpointID schemeID="0002">', '<cbc:EndpointID schemeID="9999">')
    assert "PEPPOL-EN16931-CL008" in ids(validator().fatal(broken.encode()))


# --- the UBL 2.1 XML schemas -------------------------------------------------------------------

def credit_note() -> str:
    return (EXAMPLES / "peppol-base-creditnote-correction.xml").read_text(encoding="utf-8")


def swapped(document: str, first: str, second: str) -> str:
    """The document with the first <first> and <second> elements changing places."""
    one = re.search(rf"<{first}>.*?</{first}>", document).group(0)
    other = re.search(rf"<{second}>.*?</{second}>", document).group(0)
    return document.replace(one, "@@ONE@@", 1).replace(other, one, 1).replace("@@ONE@@", other, 1)


@pytest.mark.parametrize("path", PEPPOL_EXAMPLES + CEN_EXAMPLES, ids=lambda p: p.name)
def test_every_official_example_is_valid_ubl(ubl, path):
    assert ubl.problems(path.read_bytes()) == []


def test_an_element_out_of_order_is_refused_by_the_schema(ubl):
    broken = swapped(base(), "cbc:ID", "cbc:IssueDate")
    problems = ubl.problems(broken.encode())
    assert problems and "'cbc:IssueDate': This element is not expected" in problems[0]
    # Neither rule set notices; the validator every test uses reports the schema's finding.
    assert {f.rules for f in validator().fatal(broken.encode())} == {"UBL 2.1"}


def test_a_credit_note_out_of_order_is_refused(ubl):
    broken = swapped(credit_note(), "cbc:CreditNoteTypeCode", "cbc:DocumentCurrencyCode")
    [problem] = ubl.problems(broken.encode())
    # The type code now comes after the note, which must follow it.
    assert "'cbc:Note': This element is not expected" in problem


def test_an_unknown_element_is_refused(ubl):
    broken = base().replace("</cbc:IssueDate>", "</cbc:IssueDate><cbc:Colour>blå</cbc:Colour>", 1)
    problems = ubl.problems(broken.encode())
    assert problems and "'cbc:Colour': This element is not expected" in problems[0]


def test_an_invoice_element_in_a_credit_note_is_refused(ubl):
    """The CreditNote schema is the one applied to a credit note, not the Invoice one."""
    broken = re.sub(r"<cbc:CreditNoteTypeCode>(.*?)</cbc:CreditNoteTypeCode>",
                    r"<cbc:InvoiceTypeCode>\1</cbc:InvoiceTypeCode>", credit_note())
    assert any("InvoiceTypeCode" in p for p in ubl.problems(broken.encode()))


def test_an_amount_that_is_not_a_number_is_refused(ubl):
    broken = re.sub(r'(<cbc:PayableAmount currencyID="EUR">)[^<]*', r"\g<1>1 250,00", base(),
                    count=1)
    problems = ubl.problems(broken.encode())
    assert problems and "'cbc:PayableAmount': '1 250,00' is not a valid value" in problems[0]


def test_a_missing_required_element_is_refused(ubl):
    broken = re.sub(r"<cbc:ID>.*?</cbc:ID>", "", base(), count=1)
    [problem] = ubl.problems(broken.encode())
    assert "'cbc:IssueDate': This element is not expected" in problem and "cbc:ID )" in problem


def test_without_the_schemas_the_tests_fail_and_say_how_to_get_them(tmp_path):
    with pytest.raises(pytest.fail.Exception, match="Run `make test`"):
        UblSchemas(tmp_path)
