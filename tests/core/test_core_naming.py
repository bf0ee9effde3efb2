"""Names come from one module and never collide between stacks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from pcizone.config.stack_names import StackKind, parse_stack_name
from pcizone.core.naming import (
    TAG_DATA_CLASSIFICATION,
    TAG_PRINCIPAL_TYPE,
    DataClass,
    Naming,
    PrincipalType,
    fit,
)


def _naming(stack: str) -> Naming:
    return Naming(parse_stack_name(stack), owner="o@example.com", cost_centre="cc-1")


def test_prefixes_per_stack_kind() -> None:
    assert _naming("org").prefix == "pcz-org"
    assert _naming("dev").prefix == "pcz-dev"
    assert _naming("prod").prefix == "pcz-prod"
    assert _naming("dev-alice").prefix == "pcz-u-alice"
    assert _naming("pr-12").prefix == "pcz-pr-12"
    assert _naming("dev-alice").name("payments", "dlq") == "pcz-u-alice-payments-dlq"


def test_developer_and_review_stacks_live_in_dev() -> None:
    for stack in ("dev-alice", "pr-7"):
        identity = parse_stack_name(stack)
        assert identity.kind is StackKind.DEVELOPER
        assert identity.stage == "dev"


stack_names = st.one_of(
    st.sampled_from(["org", "dev", "staging", "prod"]),
    st.from_regex(r"dev-[a-z][a-z0-9]{1,19}", fullmatch=True),
    st.integers(min_value=1, max_value=9_999_999).map(lambda n: f"pr-{n}"),
)


@given(stack_names, stack_names, st.text("abcdefghij-", min_size=1, max_size=20))
def test_no_name_of_one_stack_is_a_name_of_another(a: str, b: str, part: str) -> None:
    if a == b:
        return
    na, nb = _naming(a), _naming(b)
    # Any name is prefix + "-" + something: disjoint prefixes mean disjoint names.
    assert not (na.prefix + "-").startswith(nb.prefix + "-")
    assert not (nb.prefix + "-").startswith(na.prefix + "-")
    assert na.name(part) != nb.name(part)


def test_long_names_are_shortened_stably() -> None:
    long = "x" * 100
    short = fit(long, 64)
    assert len(short) == 64
    assert short == fit(long, 64)
    assert fit("short", 64) == "short"
    assert fit("a" * 70, 64) != fit("a" * 71, 64)


def test_tags_carry_stack_classification_and_principal() -> None:
    tags = _naming("dev-alice").tags(
        DataClass.CARDHOLDER_DATA, component="payments", principal=PrincipalType.WORKLOAD
    )
    assert tags == {
        "pcizone:stack": "dev-alice",
        "pcizone:stage": "dev",
        "pcizone:owner": "o@example.com",
        "pcizone:cost-centre": "cc-1",
        "pcizone:managed-by": "pulumi",
        TAG_DATA_CLASSIFICATION: "cardholder-data",
        "pcizone:component": "payments",
        TAG_PRINCIPAL_TYPE: "workload",
    }
