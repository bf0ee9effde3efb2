"""The local Lambda runtime: execution environments, SQS event source mappings, HTTP API.

    from pcizone.local.runtime import FunctionSpec, EventSourceSpec, HttpRouteSpec, LocalRuntime

Every execution environment imports this package before its handler
(`python -m pcizone.local.runtime.container`), so the names below load lazily: a cold start
pays for the handler's own imports, not for boto3 and the runtime's server side.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pcizone.local.runtime.errors import (
        FunctionThrottled,
        InvalidInvocation,
        LocalRuntimeError,
        RuntimeConfigError,
    )
    from pcizone.local.runtime.pool import EnvironmentInfo
    from pcizone.local.runtime.runtime import LocalRuntime
    from pcizone.local.runtime.specs import (
        EventSourceSpec,
        FunctionSpec,
        HttpRouteSpec,
        RuntimeTuning,
    )

_EXPORTS = {
    "EnvironmentInfo": "pcizone.local.runtime.pool",
    "EventSourceSpec": "pcizone.local.runtime.specs",
    "FunctionSpec": "pcizone.local.runtime.specs",
    "FunctionThrottled": "pcizone.local.runtime.errors",
    "HttpRouteSpec": "pcizone.local.runtime.specs",
    "InvalidInvocation": "pcizone.local.runtime.errors",
    "LocalRuntime": "pcizone.local.runtime.runtime",
    "LocalRuntimeError": "pcizone.local.runtime.errors",
    "RuntimeConfigError": "pcizone.local.runtime.errors",
    "RuntimeTuning": "pcizone.local.runtime.specs",
}

__all__ = [
    "EnvironmentInfo",
    "EventSourceSpec",
    "FunctionSpec",
    "FunctionThrottled",
    "HttpRouteSpec",
    "InvalidInvocation",
    "LocalRuntime",
    "LocalRuntimeError",
    "RuntimeConfigError",
    "RuntimeTuning",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
