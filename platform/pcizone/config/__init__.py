"""Typed stack configuration: one schema per stack kind, read by the program and the CLI."""

from pcizone.config.errors import ConfigError
from pcizone.config.loader import load_stack_config, stack_config_path
from pcizone.config.models import DeveloperConfig, OrgConfig, StackConfig, StageConfig
from pcizone.config.stack_names import StackIdentity, StackKind, parse_stack_name

__all__ = [
    "ConfigError",
    "DeveloperConfig",
    "OrgConfig",
    "StackConfig",
    "StackIdentity",
    "StackKind",
    "StageConfig",
    "load_stack_config",
    "parse_stack_name",
    "stack_config_path",
]
