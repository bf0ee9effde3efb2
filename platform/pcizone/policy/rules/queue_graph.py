"""How queues and functions connect: event sources, redrive policies, dead-letter queues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.views import Resource, Stack


def consumed_queues(fn: Resource, stack: Stack) -> list[tuple[Resource, Resource]]:
    """(event source mapping, queue) for each SQS queue in the stack the function consumes."""
    found: list[tuple[Resource, Resource]] = []
    for mapping in stack.referrers(fn, (t.LAMBDA_EVENT_SOURCE_MAPPING,), "functionName", "name"):
        for queue in stack.referenced(mapping, "eventSourceArn", (t.SQS_QUEUE,)):
            found.append((mapping, queue))
    return found


def has_redrive(queue: Resource, stack: Stack) -> bool:
    """Whether the queue declares a redrive policy (its own property or a RedrivePolicy)."""
    if values.as_str(queue.props.get("redrivePolicy")) is not None:
        return True
    return bool(stack.referrers(queue, (t.SQS_REDRIVE_POLICY,), "queueUrl", "url"))


def redrive_sources(queue: Resource, stack: Stack) -> list[tuple[Resource, Mapping[str, Any]]]:
    """(declaring resource, parsed redrive policy) for the queue's own redrive settings."""
    found: list[tuple[Resource, Mapping[str, Any]]] = []
    own = queue.props.get("redrivePolicy")
    if own is not None:
        found.append((queue, _parse_redrive(own, "redrivePolicy")))
    for policy in stack.referrers(queue, (t.SQS_REDRIVE_POLICY,), "queueUrl", "url"):
        found.append((policy, _parse_redrive(policy.props.get("redrivePolicy"), policy.name)))
    return found


def _parse_redrive(value: Any, what: str) -> Mapping[str, Any]:
    parsed = values.parse_json(value, what)
    if not isinstance(parsed, Mapping):
        raise values.DocumentError(f"{what} is not a JSON object")
    return parsed


def dead_letter_queues(source: Resource, stack: Stack) -> list[Resource]:
    """The queues in this stack that `source` redrives to."""
    targets: list[Resource] = []
    declarers = [source, *stack.referrers(source, (t.SQS_REDRIVE_POLICY,), "queueUrl", "url")]
    for declarer in declarers:
        deps = declarer.property_dependencies.get("redrivePolicy", ())
        for queue in stack.of_type(t.SQS_QUEUE):
            if queue.urn == source.urn:
                continue
            if queue.urn in deps or _names_target(declarer, queue):
                targets.append(queue)
    return targets


def _names_target(declarer: Resource, queue: Resource) -> bool:
    """A literal redrive policy naming the queue's ARN (used when there is no dependency)."""
    if declarer.property_dependencies.get("redrivePolicy"):
        return False
    try:
        parsed = _parse_redrive(declarer.props.get("redrivePolicy"), "redrivePolicy")
    except values.DocumentError:
        return False
    target = values.as_str(parsed.get("deadLetterTargetArn"))
    return target is not None and target == queue.props.get("arn")


def is_dead_letter_queue(queue: Resource, stack: Stack) -> bool:
    if values.as_str(queue.props.get("redriveAllowPolicy")) is not None:
        return True
    others = [q for q in stack.of_type(t.SQS_QUEUE) if q.urn != queue.urn]
    return any(queue.urn in {d.urn for d in dead_letter_queues(o, stack)} for o in others)


def keeps_failures(queue: Resource, stack: Stack) -> bool:
    """A consumer's failed messages are kept: the queue redrives, or it is a DLQ itself."""
    return has_redrive(queue, stack) or is_dead_letter_queue(queue, stack)
