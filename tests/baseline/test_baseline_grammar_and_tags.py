"""Every document the foundation declares is valid IAM grammar; every taggable resource is tagged."""

from __future__ import annotations

import inspect
import json
from typing import Any

import pulumi_aws as aws
import pytest
from pcizone.core.naming import TAG_COMPONENT, TAG_DATA_CLASSIFICATION, TAG_STACK
from pcizone.landing_zone.iam_grammar import DocumentKind, problems

DOCUMENT_INPUTS = {
    ("aws:kms/key:Key", "policy"): DocumentKind.KEY,
    ("aws:iam/role:Role", "assumeRolePolicy"): DocumentKind.TRUST,
    ("aws:iam/rolePolicy:RolePolicy", "policy"): DocumentKind.IDENTITY,
    ("aws:sns/topicPolicy:TopicPolicy", "policy"): DocumentKind.TOPIC,
}


@pytest.mark.parametrize("stage", ["dev", "staging", "prod"])
def test_every_policy_document_is_valid_grammar(stages: Any, stage: str) -> None:
    run = stages[stage]
    checked = 0
    for (type_, prop), kind in DOCUMENT_INPUTS.items():
        for resource in run.all(type_):
            if prop not in resource.inputs:
                assert resource.name == "logs-key"  # the fixture's stand-in key has no policy
                continue
            assert problems(resource.inputs[prop], kind) == [], resource.name
            json.loads(resource.inputs[prop])
            checked += 1
    assert checked == (2 if stage == "prod" else 1) + 6 + 8 + 1


def _taggable(type_: str) -> bool:
    module, _, cls = type_.removeprefix("aws:").partition("/")
    resource = getattr(getattr(aws, module), cls.split(":")[-1])
    return "tags" in inspect.signature(resource._internal_init).parameters


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_taggable_resource_has_explicit_tags(stages: Any, stage: str) -> None:
    run = stages[stage]
    for resource in run.custom_resources():
        if not _taggable(resource.type):
            assert "tags" not in resource.inputs, resource.name
            continue
        tags = resource.inputs.get("tags")
        assert tags, resource.urn
        assert tags[TAG_STACK] == stage
        assert tags[TAG_DATA_CLASSIFICATION]
        assert tags[TAG_COMPONENT]
