"""IAM and resource policy documents, built as plain dicts and serialized once.

Every document is JSON text on the wire (what the engine and the policy pack read), so each
builder returns `pulumi.Output[str]`; statements stay dicts so tests can compare them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

Statement = dict[str, Any]
VERSION = "2012-10-17"


def document(statements: Sequence[Mapping[str, Any]]) -> pulumi.Output[str]:
    """A policy document; Outputs anywhere inside the statements are resolved first."""
    return pulumi.Output.json_dumps({"Version": VERSION, "Statement": list(statements)})


def allow(
    sid: str,
    actions: Sequence[str],
    resources: Sequence[pulumi.Input[str]],
    condition: Mapping[str, Any] | None = None,
) -> Statement:
    """An identity-policy Allow statement; actions are sorted so diffs stay quiet."""
    statement: Statement = {
        "Sid": sid,
        "Effect": "Allow",
        "Action": sorted(actions),
        "Resource": list(resources),
    }
    if condition:
        statement["Condition"] = dict(condition)
    return statement


def service_trust(
    service: str,
    *,
    account_id: pulumi.Input[str] | None = None,
    source_arn: pulumi.Input[str] | None = None,
) -> pulumi.Output[str]:
    """A role trust policy for one AWS service.

    Pass `account_id`/`source_arn` for services that document the confused-deputy condition
    keys for their role (VPC Flow Logs does); Lambda documents none for execution roles.
    """
    statement: Statement = {
        "Sid": "AssumedByService",
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sts:AssumeRole",
    }
    condition: dict[str, Any] = {}
    if account_id is not None:
        condition["StringEquals"] = {"aws:SourceAccount": account_id}
    if source_arn is not None:
        condition["ArnLike"] = {"aws:SourceArn": source_arn}
    if condition:
        statement["Condition"] = condition
    return document([statement])


def deny_insecure_transport(
    sid: str, actions: Sequence[str], resources: Sequence[pulumi.Input[str]]
) -> Statement:
    """PCI DSS 4.2.1: refuse any request that did not arrive over TLS."""
    return {
        "Sid": sid,
        "Effect": "Deny",
        "Principal": "*",
        "Action": list(actions),
        "Resource": list(resources),
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
