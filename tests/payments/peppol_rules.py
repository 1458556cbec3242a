"""The official e-invoice rules, run with saxonche: the CEN EN 16931 rules (already compiled to
XSLT by CEN) and the Peppol BIS Billing 3.0 Schematron, which is compiled to XSLT 2.0 here.

No pip package ships a Schematron-to-XSLT implementation (SchXslt or the ISO skeleton for
XSLT 2) and the tests may not reach the network, so `schematron_to_xslt` does that step itself,
for what ISO Schematron with queryBinding="xslt2" means: each <pattern> is one XSLT mode
walking every node, in which a node fires the first <rule> whose context matches it (rules are
templates with falling priority); <let> is a variable (a global one at schema or pattern level,
a local one in a rule), <assert> reports when its test is false, <report> when it is true, and
the schema's <xsl:function>s are copied. Each finding is an svrl:failed-assert (or
svrl:successful-report) with the rule's id and flag, as the CEN XSLT writes them, so both are
read the same way. The compiled stylesheets are made once per test session.

Before the rules, a document must be valid against the UBL 2.1 XML schemas (ubl_schema.py),
which fix the elements, their order and their types; the validator reports that too, as the
"UBL 2.1" findings, so every document checked here is checked against the schemas as well."""

import functools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from saxonche import PySaxonProcessor

from tests.payments.ubl_schema import ubl_schemas

RULES = Path(__file__).resolve().parents[3] / "shared" / "schemas" / "peppol"
CEN_XSLT = RULES / "EN16931-UBL-validation.xslt"
PEPPOL_SCH = RULES / "PEPPOL-EN16931-UBL.sch"
EXAMPLES = RULES / "examples"

SCH = "http://purl.oclc.org/dsdl/schematron"
XSL = "http://www.w3.org/1999/XSL/Transform"
SVRL = "http://purl.oclc.org/dsdl/svrl"


def _tag(element) -> tuple[str, str]:
    namespace, _, local = element.tag[1:].partition("}")
    return namespace, local


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _variable(let) -> str:
    return f'<xsl:variable name={quoteattr(let.get("name"))} select={quoteattr(let.get("value"))}/>'


def _check(element, kind: str) -> str:
    """An <assert> (fires when false) or <report> (fires when true) as XSLT."""
    test = element.get("test")
    condition = f"not({test})" if kind == "assert" else f"({test})"
    out = "svrl:failed-assert" if kind == "assert" else "svrl:successful-report"
    attributes = "".join(
        f" {name}={quoteattr(element.get(name))}" for name in ("id", "flag")
        if element.get(name) is not None
    )
    return (f"<xsl:if test={quoteattr(condition)}><{out}{attributes} test={quoteattr(test)} "
            f'location="{{path()}}"><svrl:text>{escape(_text(element))}</svrl:text></{out}>'
            "</xsl:if>")


def schematron_to_xslt(schema_path: Path) -> str:
    """The XSLT 2.0 text that checks a document against an ISO Schematron schema."""
    schema = ET.parse(schema_path).getroot()
    namespaces = {"xsl": XSL, "svrl": SVRL}
    for ns in schema.findall(f"{{{SCH}}}ns"):
        namespaces[ns.get("prefix")] = ns.get("uri")
    declarations = "".join(f" xmlns:{prefix}={quoteattr(uri)}"
                           for prefix, uri in namespaces.items())
    top, modes, templates = [], [], []
    for child in schema:
        namespace, local = _tag(child)
        if namespace == SCH and local == "let":
            top.append(_variable(child))
        elif namespace == XSL and local == "function":
            for prefix, uri in namespaces.items():
                ET.register_namespace(prefix, uri)
            top.append(ET.tostring(child, encoding="unicode"))
        elif namespace == SCH and local == "pattern":
            mode = f"pattern{len(modes) + 1}"
            modes.append(mode)
            rules = []
            for part in child:
                kind = _tag(part)[1]
                if kind == "let":
                    top.append(_variable(part))
                elif kind == "rule":
                    rules.append(part)
            for index, rule in enumerate(rules):
                body = []
                for item in rule:
                    kind = _tag(item)[1]
                    if kind == "let":
                        body.append(_variable(item))
                    elif kind in ("assert", "report"):
                        body.append(_check(item, kind))
                templates.append(
                    f"<xsl:template match={quoteattr(rule.get('context'))} mode={quoteattr(mode)} "
                    f'priority="{1000 - index}">{"".join(body)}'
                    f'<xsl:apply-templates select="@*|node()" mode={quoteattr(mode)}/>'
                    "</xsl:template>"
                )
            templates.append(
                f'<xsl:template match="/|node()|@*" mode={quoteattr(mode)} priority="-1000">'
                f'<xsl:apply-templates select="@*|node()" mode={quoteattr(mode)}/></xsl:template>'
            )
    run = "".join(f'<xsl:apply-templates select="/" mode="{mode}"/>' for mode in modes)
    return (
        f'<xsl:stylesheet version="2.0"{declarations}>'
        + "".join(top)
        + f'<xsl:template match="/"><svrl:schematron-output>{run}</svrl:schematron-output>'
        "</xsl:template>"
        + "".join(templates)
        + "</xsl:stylesheet>"
    )


@dataclass(frozen=True)
class Finding:
    rules: str  # "UBL 2.1" (the XML schemas), "EN16931" or "Peppol"
    id: str
    flag: str
    text: str
    location: str

    def __str__(self) -> str:
        where = f" at {self.location}" if self.location else ""
        return f"[{self.rules} {self.id} {self.flag}] {self.text}{where}"


class Validator:
    """The UBL 2.1 schemas and both rule sets, compiled once."""

    def __init__(self):
        self.ubl = ubl_schemas()
        self.processor = PySaxonProcessor(license=False)
        compiler = self.processor.new_xslt30_processor()
        self.stylesheets = {
            "EN16931": compiler.compile_stylesheet(stylesheet_file=str(CEN_XSLT)),
            "Peppol": compiler.compile_stylesheet(
                stylesheet_text=schematron_to_xslt(PEPPOL_SCH)),
        }

    def findings(self, document: bytes) -> list[Finding]:
        found = [Finding("UBL 2.1", "XSD", "fatal", problem, "")
                 for problem in self.ubl.problems(document)]
        node = self.processor.parse_xml(xml_text=document.decode("utf-8"))
        for name, stylesheet in self.stylesheets.items():
            report = ET.fromstring(stylesheet.transform_to_string(xdm_node=node))
            for kind in ("failed-assert", "successful-report"):
                for item in report.iter(f"{{{SVRL}}}{kind}"):
                    found.append(Finding(
                        name, item.get("id", ""), item.get("flag", "fatal"),
                        _text(item), item.get("location", "")))
        return found

    def fatal(self, document: bytes) -> list[Finding]:
        """What makes the document fail: every finding flagged fatal (or without a flag)."""
        return [f for f in self.findings(document) if f.flag not in ("warning", "information")]


@functools.cache
def validator() -> Validator:
    return Validator()

