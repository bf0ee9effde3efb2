"""Every taggable resource carries explicit classification and component tags (policies read
tags from inputs offline, where provider default tags are invisible)."""

from __future__ import annotations

import inspect
from typing import Any

import pulumi_aws as aws
from pcizone.core.naming import (
    TAG_COMPONENT,
    TAG_DATA_CLASSIFICATION,
    TAG_PRINCIPAL_TYPE,
    TAG_STACK,
    DataClass,
)


def taggable(type_: str) -> bool:
    """Whether the pulumi-aws class for a type token takes `tags`."""
    module, _, cls = type_.removeprefix("aws:").partition("/")
    resource = getattr(getattr(aws, module), cls.split(":")[-1])
    return "tags" in inspect.signature(resource._internal_init).parameters


def test_every_taggable_resource_has_explicit_tags(org: Any) -> None:
    tagged = 0
    for resource in org.custom_resources():
        if not taggable(resource.type):
            assert "tags" not in resource.inputs
            continue
        tags = resource.inputs.get("tags")
        assert tags, resource.urn
        assert tags[TAG_STACK] == "org"
        assert tags[TAG_DATA_CLASSIFICATION] in {c.value for c in DataClass}
        assert tags[TAG_COMPONENT], resource.urn
        tagged += 1
    assert tagged >= 40


def test_roles_say_who_uses_them_and_logs_are_classified_as_logs(org: Any) -> None:
    principals = {
        r.name: r.inputs["tags"][TAG_PRINCIPAL_TYPE] for r in org.all("aws:iam/role:Role")
    }
    assert principals.pop("log-auditor") == "human"
    assert principals.pop("trail-to-cloudwatch") == "workload"
    assert set(principals.values()) == {"pipeline"}
    for type_, name in (
        ("aws:s3/bucket:Bucket", "log-archive"),
        ("aws:s3/bucket:Bucket", "access-logs"),
        ("aws:kms/key:Key", "log-archive-key"),
        ("aws:cloudtrail/trail:Trail", "organization-trail"),
        ("aws:cloudwatch/logGroup:LogGroup", "trail-events"),
    ):
        assert org.one(type_, name).inputs["tags"][TAG_DATA_CLASSIFICATION] == "logs"
