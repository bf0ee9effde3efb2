"""Bad payments or DR settings fail validation with one line naming the file and the key."""

from __future__ import annotations

from typing import Any

import pytest
from pcizone.config.errors import ConfigError
from pcizone.config.loader import load_stack_config
from pcizone.config.models import DeveloperConfig
from pcizone.errors import EXIT_USAGE

WORKER = {"timeoutSeconds": 10, "maximumConcurrency": 2, "reservedConcurrency": 5}


@pytest.mark.parametrize(
    ("stack", "overrides", "message"),
    [
        (
            "dev-alice",
            {
                "pcizone:payments": {
                    "queue": {"fifo": True, "visibilityTimeoutSeconds": 60},
                    "worker": {**WORKER, "batchSize": 11, "maximumBatchingWindowSeconds": 1},
                }
            },
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.worker.batchSize:"
            " must be at most 10 for a FIFO queue, got 11",
        ),
        (
            "dev-alice",
            {"pcizone:payments": {"queue": {"visibilityTimeoutSeconds": 59}, "worker": WORKER}},
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.visibilityTimeoutSeconds:"
            " must be at least 6 x worker.timeoutSeconds (60), got 59",
        ),
        (
            "dev-alice",
            {"pcizone:payments": {"queue": {"maxReceiveCount": 0}}},
            "stacks/Pulumi.dev-alice.yaml: pcizone:payments.queue.maxReceiveCount:"
            " must be between 1 and 1000, got 0",
        ),
        (
            "prod",
            {"pcizone:dr": {"region": "eu-west-1"}},
            "stacks/Pulumi.prod.yaml: pcizone:dr.region: must differ from aws:region (eu-west-1)",
        ),
        (
            "staging",
            {"pcizone:backup": {"crossRegionCopy": True}},
            "stacks/Pulumi.staging.yaml: pcizone:backup.crossRegionCopy:"
            " needs pcizone:dr.region (where the copies go)",
        ),
    ],
)
def test_one_clear_message(stack: str, overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_stack_config(stack, overrides=overrides)
    assert str(raised.value) == message
    assert raised.value.problems == [message]
    assert raised.value.exit_code == EXIT_USAGE


def test_the_outbox_relay_has_defaults_and_limits() -> None:
    _, config, _ = load_stack_config("dev-alice")
    assert isinstance(config, DeveloperConfig)
    relay = config.payments.outbox_relay
    assert (relay.timeout_seconds, relay.reserved_concurrency, relay.interval_minutes) == (60, 1, 1)
    with pytest.raises(ConfigError) as raised:
        load_stack_config(
            "dev-alice", overrides={"pcizone:payments": {"outboxRelay": {"intervalMinutes": 0}}}
        )
    assert str(raised.value) == (
        "stacks/Pulumi.dev-alice.yaml: pcizone:payments.outboxRelay.intervalMinutes:"
        " must be between 1 and 60, got 0"
    )
