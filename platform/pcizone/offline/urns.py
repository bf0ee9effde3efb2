"""URNs by the engine's rule (the stock mock URN differs; FACTS.md)."""

from __future__ import annotations

from importlib import metadata

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"


def make_urn(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The engine skips the root Stack in the type chain and keeps the parent's full chain."""
    chain = type_
    if parent:
        parent_chain = type_chain(parent)
        if parent_chain != STACK_TYPE:
            chain = f"{parent_chain}${type_}"
    return f"urn:pulumi:{stack}::{project}::{chain}::{name}"


def type_chain(urn: str) -> str:
    return urn.split("::")[2]


def urn_type(urn: str) -> str:
    return type_chain(urn).split("$")[-1]


def default_provider_urn(stack: str, project: str, package: str) -> str:
    if package == "pulumi":
        return f"urn:pulumi:{stack}::{project}::pulumi:providers:pulumi::default"
    version = _package_version(package)
    suffix = f"default_{version.replace('.', '_')}" if version else "default"
    return f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::{suffix}"


def _package_version(package: str) -> str | None:
    try:
        return metadata.version(f"pulumi_{package}")
    except metadata.PackageNotFoundError:
        return None


def provider_urn_of_reference(reference: str) -> str:
    """A provider reference is "<urn>::<id>"; the URN itself contains "::"."""
    return reference.rsplit("::", 1)[0] if reference.count("::") > 3 else reference
