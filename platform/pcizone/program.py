"""The Pulumi program: reads the engine's config, validates it, builds the stack's kind."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from pcizone.config.errors import ConfigError
from pcizone.config.loader import config_from_engine
from pcizone.config.stack_names import StackKind
from pcizone.core.context import StackContext, any_context
from pcizone.errors import UserError


def engine_config() -> dict[str, str]:
    """Every config value the engine gave this program (strings; objects as JSON)."""
    values: dict[str, Any] = dict(runtime_config.get_config_env())
    values.update(runtime_config.CONFIG.get())
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}


def builders() -> dict[StackKind, Callable[[StackContext[Any]], None]]:
    # Imported here so that importing pcizone.program stays cheap for the CLI.
    from pcizone.stacks import developer, org, stage

    return {
        StackKind.ORG: org.build,
        StackKind.STAGE: stage.build,
        StackKind.DEVELOPER: developer.build,
    }


def run() -> None:
    stack = pulumi.get_stack()
    try:
        identity, config = config_from_engine(stack, engine_config())
    except (ConfigError, UserError) as exc:
        # RunError: the engine prints the message without a Python traceback.
        raise pulumi.RunError(str(exc)) from None
    builders()[identity.kind](any_context(identity, config))
