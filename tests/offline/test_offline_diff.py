"""Plan diffs: create, update, replace, delete by URN, with the changed property paths."""

from __future__ import annotations

from typing import Any

from pcizone.offline.diff import Change, changed_paths, diff_plans, summarize


def _r(urn: str, type_: str, **inputs: Any) -> dict[str, Any]:
    return {"urn": urn, "type": type_, "provider": "p", "inputs": inputs}


def test_diff_classifies_every_operation() -> None:
    old = {
        "resources": [
            _r("u:q", "aws:sqs/queue:Queue", name="q", delaySeconds=0),
            _r("u:b", "aws:s3/bucket:Bucket", bucket="b1"),
            _r("u:gone", "aws:sns/topic:Topic"),
            _r("u:same", "aws:kms/key:Key", enableKeyRotation=True),
        ]
    }
    new = {
        "resources": [
            _r("u:q", "aws:sqs/queue:Queue", name="q", delaySeconds=5),
            _r("u:b", "aws:s3/bucket:Bucket", bucket="b2"),
            _r("u:new", "aws:sns/topic:Topic"),
            _r("u:same", "aws:kms/key:Key", enableKeyRotation=True),
        ]
    }
    changes = diff_plans(old, new)
    assert changes == [
        Change("create", "u:new", "aws:sns/topic:Topic"),
        Change("delete", "u:gone", "aws:sns/topic:Topic"),
        Change("replace", "u:b", "aws:s3/bucket:Bucket", ("bucket",)),
        Change("update", "u:q", "aws:sqs/queue:Queue", ("delaySeconds",)),
    ]
    assert summarize(changes) == {"create": 1, "update": 1, "replace": 1, "delete": 1}


def test_changed_paths_are_nested_and_indexed() -> None:
    old = {"rules": [{"sse": {"alg": "AES256"}}], "tags": {"a": "1"}}
    new = {"rules": [{"sse": {"alg": "aws:kms"}}], "tags": {"a": "1", "b": "2"}}
    assert changed_paths(old, new) == ["rules[0].sse.alg", "tags.b"]
    assert changed_paths([1, 2], [1, 2, 3]) == ["(value)"]
