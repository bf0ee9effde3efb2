"""Reads Pulumi.yaml and stacks/Pulumi.<stack>.yaml (or the engine's config) into typed config."""

from __future__ import annotations

import json
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, SecretStr, ValidationError

from pcizone.config.errors import ConfigError, format_validation_error
from pcizone.config.models import DeveloperConfig, OrgConfig, StackConfig, StageConfig
from pcizone.config.stack_names import StackIdentity, StackKind, parse_stack_name
from pcizone.config.stage_rules import stage_problems

PROJECT = "pcizone"
# Offline, `secure:` values cannot be decrypted: they stand in as this placeholder secret.
SECRET_PLACEHOLDER = "[secret placeholder: decrypted only by the Pulumi CLI]"  # noqa: S105
_STACK_FILE_KEYS = {"config", "secretsprovider", "encryptedkey", "environment"}
# Stack files are a few kilobytes; PyYAML needs ~20 s for 60 MB, so a huge file is refused.
MAX_CONFIG_BYTES = 1024 * 1024

MODELS: dict[StackKind, type[OrgConfig | StageConfig | DeveloperConfig]] = {
    StackKind.ORG: OrgConfig,
    StackKind.STAGE: StageConfig,
    StackKind.DEVELOPER: DeveloperConfig,
}


@dataclass(frozen=True)
class RawConfig:
    """Config values keyed `namespace:key`, as the engine hands them to the program."""

    values: dict[str, Any]
    secret_keys: frozenset[str] = field(default_factory=frozenset)

    def as_engine_strings(self) -> dict[str, str]:
        """The engine passes every value as a string; objects as JSON."""
        return {
            k: v if isinstance(v, str) else json.dumps(v, sort_keys=True)
            for k, v in self.values.items()
        }


def find_repo_root(start: Path | None = None) -> Path:
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file() and (candidate / "stacks").is_dir():
            return candidate
    # Installed package inside the repo (editable install): walk up from this file.
    for candidate in Path(__file__).resolve().parents:
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    raise ConfigError(["Pulumi.yaml: not found in this folder or any parent; run from the repo"])


def stack_config_path(stack: str, repo_root: Path | None = None) -> Path:
    return (repo_root or find_repo_root()) / "stacks" / f"Pulumi.{stack}.yaml"


def list_stacks(repo_root: Path | None = None) -> list[str]:
    folder = (repo_root or find_repo_root()) / "stacks"
    names = [p.name[len("Pulumi.") : -len(".yaml")] for p in folder.glob("Pulumi.*.yaml")]
    order = {StackKind.ORG: 0, StackKind.STAGE: 1, StackKind.DEVELOPER: 2}
    stage_order = {"org": 0, "dev": 1, "staging": 2, "prod": 3}

    def key(name: str) -> tuple[int, int, str]:
        try:
            ident = parse_stack_name(name)
        except Exception:  # an invalid name still gets listed, last, so validate reports it
            return (9, 9, name)
        return (order[ident.kind], stage_order.get(name, 9), name)

    return sorted(names, key=key)


def project_defaults(repo_root: Path) -> dict[str, Any]:
    """Typed defaults from Pulumi.yaml's `config:` block, namespaced like stack keys."""
    source = "Pulumi.yaml"
    data = _read_yaml(repo_root / "Pulumi.yaml", source)
    block = data.get("config") or {}
    if not isinstance(block, dict):
        raise ConfigError([f"{source}: config: must be a mapping"])
    out: dict[str, Any] = {}
    for key, spec in block.items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(spec, dict) and "default" in spec:
            out[full] = spec["default"]
        elif not isinstance(spec, dict):
            out[full] = spec
    return out


def _secret_keys() -> frozenset[str]:
    """Config keys whose model type is SecretStr: they must be `secure:` in a stack file."""
    keys = set()
    for model in MODELS.values():
        for name, info in model.model_fields.items():
            if SecretStr in (info.annotation, *typing.get_args(info.annotation)):
                keys.add(info.alias or name)
    return frozenset(keys)


SECRET_KEYS = _secret_keys()


def read_stack_file(stack: str, repo_root: Path) -> RawConfig:
    path = stack_config_path(stack, repo_root)
    source = path.relative_to(repo_root).as_posix()
    if path.is_dir():
        raise ConfigError([f"{source}: is a directory, not a stack file"])
    if not path.is_file():
        raise ConfigError(
            [f"{source}: file not found (every stack needs one; copy stacks/Pulumi.dev-alice.yaml)"]
        )
    data = _read_yaml(path, source)
    if not data:
        raise ConfigError([f"{source}: the file is empty; it needs a 'config:' mapping"])
    unknown = sorted(set(data) - _STACK_FILE_KEYS)
    if unknown:
        raise ConfigError([f"{source}: {k}: unknown top-level key" for k in unknown])
    config = data.get("config")
    if not isinstance(config, dict) or not config:
        raise ConfigError([f"{source}: config: must be a mapping of namespaced keys"])
    values: dict[str, Any] = {}
    secrets: set[str] = set()
    problems = []
    for key, value in config.items():
        if not isinstance(key, str) or ":" not in key:
            problems.append(
                f"{source}: {key}: config keys must be namespaced, such as pcizone:{key}"
            )
            continue
        if isinstance(value, dict) and set(value) == {"secure"}:
            if not isinstance(value["secure"], str) or not value["secure"]:
                problems.append(
                    f"{source}: {key}.secure: must be the ciphertext that"
                    f" `pulumi config set --secret {key}` writes"
                )
                continue
            values[key] = SECRET_PLACEHOLDER
            secrets.add(key)
        elif key in SECRET_KEYS and value is not None:
            # A plaintext credential in a committed file is already leaked (PCI DSS 3.6, 8.3.2).
            problems.append(
                f"{source}: {key}: must be a secret, got a plaintext value; remove it and run"
                f" `pulumi config set --secret {key} --stack {stack}`"
            )
        else:
            values[key] = value
    if problems:
        raise ConfigError(problems)
    return RawConfig(values, frozenset(secrets))


def validate(identity: StackIdentity, raw: dict[str, Any], source: str) -> StackConfig:
    model = MODELS[identity.kind]
    try:
        config = model.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(format_validation_error(source, model, exc)) from None
    problems = [f"{source}: {path}: {msg}" for path, msg in stage_problems(identity, config)]
    if problems:
        raise ConfigError(problems)
    return config


def load_stack_config(
    stack: str, repo_root: Path | None = None, overrides: dict[str, Any] | None = None
) -> tuple[StackIdentity, StackConfig, RawConfig]:
    """Validate one stack's config; returns its identity, typed config and engine-shaped values."""
    identity = parse_stack_name(stack)
    root = repo_root or find_repo_root()
    raw = read_stack_file(stack, root)
    merged = {**project_defaults(root), **raw.values, **(overrides or {})}
    source = stack_config_path(stack, root).relative_to(root).as_posix()
    config = validate(identity, _prune_none(merged), source)
    if identity.kind is StackKind.DEVELOPER:
        _check_developer_region(config, root, source)
    return identity, config, RawConfig(merged, raw.secret_keys)


def _check_developer_region(config: StackConfig, root: Path, source: str) -> None:
    """A developer stack runs in the dev stack's VPC, so it must use the dev stack's region.

    The program checks this against the dev stack's outputs too (the only check on a real
    deploy without this repo's files); here it is caught as bad input, before anything runs.
    """
    if not stack_config_path("dev", root).is_file():
        return
    dev_region = read_stack_file("dev", root).values.get("aws:region")
    if dev_region and dev_region != config.region:
        raise ConfigError(
            [
                f"{source}: aws:region: must be the dev stack's region {dev_region}"
                f" (the service runs in its VPC), got {config.region}"
            ]
        )


def config_from_engine(stack: str, values: dict[str, str]) -> tuple[StackIdentity, StackConfig]:
    """The program's path: the engine already merged project defaults and decrypted secrets."""
    identity = parse_stack_name(stack)
    parsed = {k: _parse_engine_value(v) for k, v in values.items()}
    return identity, validate(identity, parsed, f"stacks/Pulumi.{stack}.yaml")


def _parse_engine_value(value: str) -> Any:
    if value[:1] in {"{", "["}:
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _prune_none(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (PyYAML keeps the last; Pulumi's Go YAML refuses)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            # Merge keys (<<) may repeat and may be overridden; only explicit scalar keys count.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_scalar(key_node), key_node.tag
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key[0]!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _UniqueKeyLoader.construct_mapping
)


def _read_text(path: Path, source: str) -> str:
    try:
        if path.is_dir():
            raise ConfigError([f"{source}: is a directory, not a file"])
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError(
                [f"{source}: is {size:,} bytes; config files are at most {MAX_CONFIG_BYTES:,}"]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([f"{source}: file not found"]) from None
    except OSError as exc:
        raise ConfigError([f"{source}: cannot be read: {exc.strerror or exc}"]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            [
                f"{source}: line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8"
            ]
        ) from None


def _read_yaml(path: Path, source: str) -> dict[str, Any]:
    text = _read_text(path, source)
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError([f"{source}: {where}invalid YAML: {problem}"]) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError([f"{source}: top level must be a mapping, got {type(data).__name__}"])
    return data


def model_for(kind: StackKind) -> type[BaseModel]:
    return MODELS[kind]
