"""A MockMonitor that records every registration the way the engine would receive it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.settings import get_project, get_stack

from pcizone.offline import urns
from pcizone.offline.model import RecordedResource
from pcizone.offline.wire import decode_struct

_current = threading.local()


def current_urn() -> str | None:
    """The URN being registered on this thread (new_resource runs on the registering thread)."""
    return getattr(_current, "urn", None)


class RecordingMonitor(MockMonitor):  # type: ignore[misc]
    def __init__(self, mocks: Mocks) -> None:
        super().__init__(mocks)
        self._lock = threading.Lock()
        self.recorded: dict[str, RecordedResource] = {}
        self._default_providers: set[str] = set()
        self._thread_loops: list[asyncio.AbstractEventLoop] = []

    def _ensure_thread_loop(self) -> None:
        """The SDK needs a loop on executor threads; make it here so close() can close it."""
        if threading.current_thread() is threading.main_thread():
            return
        policy = asyncio.get_event_loop_policy()
        try:
            policy.get_event_loop()
        except RuntimeError:
            loop = policy.new_event_loop()
            policy.set_event_loop(loop)
            with self._lock:
                self._thread_loops.append(loop)

    def close(self) -> None:
        """Close the executor threads' loops (else ResourceWarnings at garbage collection)."""
        with self._lock:
            loops, self._thread_loops = self._thread_loops, []
        for loop in loops:
            if not loop.is_closed():
                loop.close()

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return urns.make_urn(get_stack(), get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        urn = self.make_urn(request.parent, request.type, request.name)
        provider = self._provider_for(request)
        response = self._as_current(urn, super().RegisterResource, request)
        self._record(urn, request, provider, read=False)
        return response

    def ReadResource(self, request: Any) -> Any:
        """Reads (StackReference, Resource.get) are in the engine's graph too."""
        urn = self.make_urn(request.parent, request.type, request.name)
        response = self._as_current(urn, super().ReadResource, request)
        self._record(urn, request, self._provider_for(request, custom=True), read=True)
        return response

    def Invoke(self, request: Any) -> Any:
        self._ensure_thread_loop()
        return super().Invoke(request)  # type: ignore[no-untyped-call]

    def _as_current(self, urn: str, call: Callable[[Any], Any], request: Any) -> Any:
        """`call(request)` with `urn` as current_urn(), for the mocks it reaches."""
        self._ensure_thread_loop()
        _current.urn = urn
        try:
            return call(request)
        finally:
            _current.urn = None

    def _record(self, urn: str, request: Any, provider: str | None, *, read: bool) -> None:
        registration = self.resources.get(urn)
        property_dependencies: dict[str, tuple[str, ...]] = {}
        outputs: dict[str, Any] = {}
        if read:
            # A read's state is the referenced data, not part of this stack's plan.
            wire = request.properties
        else:
            wire = request.object
            property_dependencies = {
                key: tuple(sorted(set(deps.urns)))
                for key, deps in request.propertyDependencies.items()
            }
            outputs = dict(registration.state) if registration else {}
        record = RecordedResource(
            urn=urn,
            type=request.type,
            name=request.name,
            parent=request.parent or None,
            provider=provider,
            custom=read or bool(request.custom),
            dependencies=tuple(sorted(set(request.dependencies))),
            property_dependencies=property_dependencies,
            inputs=decode_struct(wire),
            wire=wire,
            outputs=outputs,
            id=(registration.id or None) if registration else None,
        )
        with self._lock:
            if not read and urn in self.recorded:
                raise ValueError(f"duplicate resource URN {urn}")
            self.recorded[urn] = record

    def _provider_for(self, request: Any, *, custom: bool | None = None) -> str | None:
        is_custom = request.custom if custom is None else custom
        if not is_custom or request.type.startswith("pulumi:providers:"):
            return None
        if request.provider:
            return urns.provider_urn_of_reference(request.provider)
        package = request.type.split(":")[0]
        default = urns.default_provider_urn(get_stack(), get_project(), package)
        with self._lock:
            if default not in self._default_providers:
                self._default_providers.add(default)
                self._record_default_provider(default, package)
        return default

    def _record_default_provider(self, urn: str, package: str) -> None:
        # The engine creates default providers itself; the program never registers them.
        from google.protobuf import struct_pb2

        inputs: dict[str, Any] = {}
        version = urns._package_version(package)
        if version:
            inputs["version"] = version
        wire = struct_pb2.Struct()
        wire.update(inputs)
        self.recorded[urn] = RecordedResource(
            urn=urn,
            type=f"pulumi:providers:{package}",
            name=urn.rsplit("::", 1)[-1],
            parent=None,
            provider=None,
            custom=True,
            dependencies=(),
            property_dependencies={},
            inputs=inputs,
            wire=wire,
        )


__all__ = ["RecordingMonitor", "current_urn", "rpc"]
