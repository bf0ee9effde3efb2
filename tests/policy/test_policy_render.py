"""The terminal verdict: violations grouped by severity, then totals."""

from __future__ import annotations

from pcizone.policy.render import print_verdict
from rich.console import Console


def _printed(verdict) -> str:  # type: ignore[no-untyped-def]
    console = Console(record=True, width=200, color_system=None)
    print_verdict(verdict, console)
    return console.export_text()


def _case(corpus, name):  # type: ignore[no-untyped-def]
    return next(c for c in [*corpus.cases, *corpus.controls] if c.name == name)


def test_violations_are_grouped_by_severity_most_severe_first(corpus):  # type: ignore[no-untyped-def]
    text = _printed(corpus.verdict(_case(corpus, "two-breaks-at-once")))
    assert "policy verdict: stack staging (stage, staging)" in text
    headings = [
        line.split(" (")[0]
        for line in text.splitlines()
        if line.split(" (")[0] in {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
    ]
    assert headings == ["CRITICAL", "HIGH", "MEDIUM"]
    critical = text.index("CRITICAL (")
    high = text.index("HIGH (")
    assert critical < text.index("pci-account-s3-public-access-block") < high
    assert high < text.index("pci-lambda-vpc")
    assert "8 mandatory violation(s): the stack must not be deployed" in text


def test_messages_are_printed_verbatim_not_as_markup(corpus):  # type: ignore[no-untyped-def]
    text = _printed(corpus.verdict(_case(corpus, "iam-star-action")))
    assert "policy statement 3 allows Action '*'" in text
    assert "advisory" in text
    assert "no mandatory violations (1 advisory)" in text


def test_unknowns_are_shown_as_unknown(corpus):  # type: ignore[no-untyped-def]
    text = _printed(corpus.verdict(_case(corpus, "lambda-permission-source-unknown-in-preview")))
    assert "unknown" in text and "string value at .sourceArn can't be known during preview" in text
    assert "1 unknown until deploy" in text


def test_a_clean_stack_says_so(corpus):  # type: ignore[no-untyped-def]
    text = _printed(corpus.verdict(_case(corpus, "control-org")))
    assert "0 failed" in text and "no mandatory violations (0 advisory)" in text
    assert "CRITICAL" not in text
