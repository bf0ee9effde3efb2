"""What handlers reach beyond the emulator: the PostgreSQL stand-in and running a function.

The deploy layer does not run functions itself: whoever drives the deploy (the orchestrator, a
test) passes a `FunctionRunner`. Notes are things a person should read in the summary (a
function that ran during the deploy, a stand-in that was mapped).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from pcizone.local.deploy.mocks import DeployedResource

if TYPE_CHECKING:
    from pcizone.local.postgres_standin import PostgresStandIn

FUNCTION_TYPE = "aws:lambda/function:Function"
FunctionRunner = Callable[[DeployedResource, Mapping[str, Any]], dict[str, Any]]
FunctionLookup = Callable[[str, str], DeployedResource | None]


class ServiceUnavailable(RuntimeError):
    pass


class LocalServices:
    def __init__(
        self,
        *,
        standin: PostgresStandIn | None = None,
        run_function: FunctionRunner | None = None,
    ) -> None:
        self.standin = standin
        self.run_function = run_function
        self.notes: list[tuple[str, str]] = []
        self._lookups: list[FunctionLookup] = []
        self._lock = threading.Lock()

    def add_lookup(self, lookup: FunctionLookup) -> None:
        """Where deployed functions are found (each stack's deploy adds its own)."""
        with self._lock:
            self._lookups.append(lookup)

    def database(self) -> PostgresStandIn:
        if self.standin is None:
            raise ServiceUnavailable("no local PostgreSQL is running to stand in for Aurora")
        return self.standin

    def invoke_function(
        self, account: str, function_name: str, payload: Mapping[str, Any]
    ) -> dict[str, Any]:
        if self.run_function is None:
            raise ServiceUnavailable(f"no local runtime to run function {function_name}")
        with self._lock:
            lookups = list(self._lookups)
        for lookup in reversed(lookups):
            found = lookup(account, function_name)
            if found is not None:
                return self.run_function(found, payload)
        raise ServiceUnavailable(
            f"function {function_name} is not deployed in account {account} by this run"
        )

    def note(self, urn: str, message: str) -> None:
        with self._lock:
            self.notes.append((urn, message))


def function_lookup(deployed: Mapping[str, DeployedResource]) -> FunctionLookup:
    """Find a function this deploy created by account and name (or ARN)."""

    def lookup(account: str, name: str) -> DeployedResource | None:
        for resource in list(deployed.values()):
            if resource.type != FUNCTION_TYPE or resource.placement.account != account:
                continue
            if name in {resource.id, resource.outputs.get("arn"), resource.outputs.get("name")}:
                return resource
        return None

    return lookup
