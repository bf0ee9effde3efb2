"""A small checker of the IAM policy language: structure, operators, shapes and size quotas.

It covers what this project writes (it is not AWS's full validator): the program runs it on
every document before handing it to the engine, and the tests run it on the recorded inputs.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from typing import Any


class DocumentKind(enum.StrEnum):
    IDENTITY = "identity"  # inline role policy
    TRUST = "trust"  # role trust (assume role) policy
    KEY = "key"  # KMS key policy
    BUCKET = "bucket"  # S3 bucket policy
    TOPIC = "topic"  # SNS topic policy
    SCP = "scp"  # Organizations service control policy


# AWS quotas, in characters of the minified document.
MAX_SIZE: dict[DocumentKind, int] = {
    DocumentKind.IDENTITY: 10_240,
    DocumentKind.TRUST: 2_048,
    DocumentKind.KEY: 32_768,
    DocumentKind.BUCKET: 20_480,
    DocumentKind.TOPIC: 30_720,
    DocumentKind.SCP: 5_120,
}
_WITH_PRINCIPAL = {DocumentKind.TRUST, DocumentKind.KEY, DocumentKind.BUCKET, DocumentKind.TOPIC}
_TOP_KEYS = {"Version", "Id", "Statement"}
_STATEMENT_KEYS = {
    "Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction",
    "Resource", "NotResource", "Condition",
}  # fmt: skip
_PRINCIPAL_KEYS = {"AWS", "Service", "Federated", "CanonicalUser"}
_ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")
_SID = re.compile(r"^[A-Za-z0-9]+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_AWS_PRINCIPAL = re.compile(r"^arn:aws:(iam|sts)::(\d{12}|aws):[A-Za-z0-9+=,.@_/*:-]+$")
_SERVICE = re.compile(r"^[a-z0-9.-]+\.amazonaws\.com$")
_BASE_OPERATORS = {
    *(f"String{s}" for s in ("Equals", "NotEquals", "EqualsIgnoreCase", "NotEqualsIgnoreCase",
                             "Like", "NotLike")),
    *(f"Numeric{s}" for s in ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan",
                              "GreaterThanEquals")),
    *(f"Date{s}" for s in ("Equals", "NotEquals", "LessThan", "LessThanEquals", "GreaterThan",
                           "GreaterThanEquals")),
    "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
    "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike",
}  # fmt: skip


def problems(doc: Any, kind: DocumentKind) -> list[str]:
    """Every grammar or size problem of `doc` as a policy of `kind`; empty when valid."""
    if isinstance(doc, str):
        try:
            doc = json.loads(doc)
        except json.JSONDecodeError as exc:
            return [f"not JSON (line {exc.lineno})"]
    if not isinstance(doc, Mapping):
        return ["the document is not a JSON object"]
    found = [f"unknown top-level key {k!r}" for k in doc if k not in _TOP_KEYS]
    if doc.get("Version") != "2012-10-17":
        found.append(f"Version must be '2012-10-17', got {doc.get('Version')!r}")
    statements = doc.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list) or not statements:
        return [*found, "Statement must be a non-empty list"]
    sids: set[str] = set()
    for number, item in enumerate(statements, 1):
        where = f"statement {number}"
        if not isinstance(item, Mapping):
            found.append(f"{where} is not an object")
            continue
        sid = item.get("Sid")
        if sid is not None:
            where = f"statement {sid}"
            if sid in sids:
                found.append(f"{where}: Sid is used twice")
            sids.add(str(sid))
        found.extend(f"{where}: {p}" for p in _statement_problems(item, kind))
    size = len(json.dumps(doc, separators=(",", ":")))
    if size > MAX_SIZE[kind]:
        found.append(f"{size} characters minified, above the {kind} quota of {MAX_SIZE[kind]}")
    return found


def _statement_problems(item: Mapping[str, Any], kind: DocumentKind) -> list[str]:
    found = [f"unknown key {k!r}" for k in item if k not in _STATEMENT_KEYS]
    sid = item.get("Sid")
    if sid is not None and (not isinstance(sid, str) or not _SID.match(sid)):
        found.append(f"Sid must be letters and digits only, got {sid!r}")
    if item.get("Effect") not in ("Allow", "Deny"):
        found.append(f"Effect must be Allow or Deny, got {item.get('Effect')!r}")
    found.extend(_one_of(item, "Action", "NotAction", _action_problem))
    if kind is DocumentKind.TRUST:
        if "Resource" in item or "NotResource" in item:
            found.append("a trust policy statement has no Resource")
    else:
        found.extend(_one_of(item, "Resource", "NotResource", _resource_problem))
    if "NotPrincipal" in item:
        found.append("NotPrincipal is not used in this project (it is easy to get wrong)")
    if kind in _WITH_PRINCIPAL:
        if "Principal" not in item:
            found.append("Principal is required in a resource or trust policy")
        else:
            found.extend(_principal_problems(item["Principal"]))
    elif "Principal" in item:
        found.append(f"Principal is not allowed in an {kind} policy")
    if "Condition" in item:
        found.extend(_condition_problems(item["Condition"]))
    return found


def _one_of(item: Mapping[str, Any], key: str, negated: str, check: Any) -> list[str]:
    present = [k for k in (key, negated) if k in item]
    if len(present) != 1:
        return [f"needs exactly one of {key} or {negated}"]
    values = item[present[0]]
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, list) or not values:
        return [f"{present[0]} must be a string or a non-empty list of strings"]
    return [f"{present[0]}: {p}" for v in values if (p := check(v))]


def _action_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not _ACTION.match(value):
        return f"{value!r} is not service:Action"
    return None


def _resource_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return f"{value!r} is not a string"
    if value == "*":
        return None
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn" or not parts[1].startswith("aws") or not parts[5]:
        return f"{value!r} is not an ARN or '*'"
    return None


def _principal_problems(principal: Any) -> list[str]:
    if principal == "*":
        return []
    if not isinstance(principal, Mapping) or not principal:
        return [f"Principal must be '*' or an object, got {principal!r}"]
    found = [f"Principal: unknown type {k!r}" for k in principal if k not in _PRINCIPAL_KEYS]
    for key, values in principal.items():
        listed = [values] if isinstance(values, str) else values
        if not isinstance(listed, list) or not listed:
            found.append(f"Principal.{key} must be a string or a non-empty list")
            continue
        for value in listed:
            if key == "Service" and not (isinstance(value, str) and _SERVICE.match(value)):
                found.append(f"Principal.Service {value!r} is not a service principal")
            if key == "AWS" and not _aws_principal(value):
                found.append(f"Principal.AWS {value!r} is not '*', an account or an IAM ARN")
    return found


def _aws_principal(value: Any) -> bool:
    return isinstance(value, str) and bool(
        value == "*" or _ACCOUNT.match(value) or _AWS_PRINCIPAL.match(value)
    )


def _condition_problems(condition: Any) -> list[str]:
    if not isinstance(condition, Mapping) or not condition:
        return ["Condition must be a non-empty object"]
    found: list[str] = []
    for operator, tests in condition.items():
        if not _known_operator(str(operator)):
            found.append(f"Condition: unknown operator {operator!r}")
        if not isinstance(tests, Mapping) or not tests:
            found.append(f"Condition.{operator} must map condition keys to values")
            continue
        for key, values in tests.items():
            if not isinstance(key, str) or ":" not in key:
                found.append(f"Condition.{operator}: {key!r} is not a service:key condition key")
            listed = values if isinstance(values, list) else [values]
            if not listed:
                found.append(f"Condition.{operator}.{key} must be a string or non-empty list")
            elif not all(isinstance(v, str) for v in listed):
                found.append(f"Condition.{operator}.{key} values must be strings")
            elif operator.removesuffix("IfExists") in ("Bool", "Null") and not all(
                v in ("true", "false") for v in listed
            ):
                found.append(f"Condition.{operator}.{key} must be 'true' or 'false'")
    return found


def _known_operator(operator: str) -> bool:
    for prefix in ("ForAllValues:", "ForAnyValue:"):
        operator = operator.removeprefix(prefix)
    if operator == "Null":
        return True
    return operator.removesuffix("IfExists") in _BASE_OPERATORS
