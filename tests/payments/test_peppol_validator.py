"""Before any invoice of ours is checked, the checker itself is proved on the official examples
beside the rules: the Peppol examples pass both rule sets, CEN's own examples pass the CEN
rules (and are refused by Peppol's, which ask for what CEN leaves optional), and broken copies
fail with the rule that was broken."""

import re

import pytest

from tests.payments.peppol_rules import EXAMPLES, order_problems, validator

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


@pytest.mark.parametrize("path", PEPPOL_EXAMPLES + CEN_EXAMPLES, ids=lambda p: p.name)
def test_the_examples_agree_on_element_order(path):
    assert order_problems(path.read_bytes()) == []


def test_swapped_elements_are_found():
    """The order check (a stand-in for the UBL schema, see peppol_rules) can fail."""
    document = base()
    issue = re.search(r"<cbc:IssueDate>.*?</cbc:IssueDate>", document).group(0)
    first_id = re.search(r"<cbc:ID>.*?</cbc:ID>", document).group(0)
    swapped = document.replace(first_id, "@@ID@@", 1).replace(issue, first_id, 1).replace(
        "@@ID@@", issue, 1)
    assert any("IssueDate before" in p and "}ID" in p for p in order_problems(swapped.encode()))
