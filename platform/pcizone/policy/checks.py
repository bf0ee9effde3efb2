"""Checks that several rules make the same way, so they say the same thing the same way.

Each yields a rule's violation messages (or, for `statement_found`, also returns whether it was
satisfied); a rule `yield from`s them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Generator, Iterable, Iterator

from pcizone.policy import documents, values
from pcizone.policy.views import Resource, Stack


def type_name(type_: str) -> str:
    """The resource class a type token names: "aws:sqs/queuePolicy:QueuePolicy" -> "QueuePolicy"."""
    return type_.rsplit(":", 1)[-1]


def flags_true(resource: Resource, *props: str) -> Iterator[str]:
    """`<prop> is not true` for each boolean property that is missing or false."""
    for prop in props:
        if values.as_bool(resource.props.get(prop)) is not True:
            yield f"{prop} is not true"


def strings_set(resource: Resource, *props: str) -> Iterator[str]:
    """`<prop> is not set` for each string property that is missing or empty."""
    for prop in props:
        if values.as_str(resource.props.get(prop)) is None:
            yield f"{prop} is not set"


def customer_managed_key(
    prop: str, value: object, aws_managed_key: str, *, unset_detail: str = ""
) -> Iterator[str]:
    """The key property `prop`, whose value is `value`, names a key other than the AWS managed one.

    The caller reads the value, so that it decides when an unknown value stops the check.
    """
    key = values.as_str(value)
    if key is None:
        yield f"{prop} is not set{unset_detail}"
    elif key == aws_managed_key:
        yield f"{prop} is the AWS managed key {aws_managed_key}"


def tls_only(service: str) -> Callable[[list[documents.Statement]], bool]:
    """Whether a policy's statements deny every `service` request made without TLS."""
    return functools.partial(documents.denies_insecure_transport, service=service)


def policy_documents(
    resource: Resource, stack: Stack, type_: str, prop: str, target_prop: str
) -> list[tuple[str, object]]:
    """(where, document) for the resource's own `policy` and that of each `type_` naming it.

    A `type_` resource names the resource when its `prop` refers to the resource's `target_prop`.
    """
    found: list[tuple[str, object]] = []
    if resource.props.get("policy") is not None:
        found.append(("policy", resource.props.get("policy")))
    for attached in stack.referrers(resource, (type_,), prop, target_prop):
        found.append((f"{type_name(type_)} {attached.name}", attached.props.get("policy")))
    return found


def statement_found(
    found: Iterable[tuple[str, object]],
    satisfies: Callable[[list[documents.Statement]], bool],
) -> Generator[str, None, bool]:
    """Whether one of the (where, document) pairs has statements that satisfy the rule.

    Yields why each document before that one does not parse; the documents after it are not
    read (a later broken one cannot undo a statement already found).
    """
    for where, document in found:
        try:
            statements = documents.parse_statements(document, where)
        except values.DocumentError as exc:
            yield str(exc)
            continue
        if satisfies(statements):
            return True
    return False
