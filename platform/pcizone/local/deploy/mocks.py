"""The SDK mocks that deploy: every resource the program registers is created in the emulator.

The SDK calls `new_resource` once per resource, after every input resolved and every dependency
returned, on an executor thread: dependency order comes for free and independent resources are
created concurrently. What `new_resource` returns becomes the resource's outputs, so the
program's Outputs resolve to the emulator's real ids, ARNs and URLs.

Against the previous deploy state each resource is created, left as is, updated in place or
replaced. A handler's exception is recorded with the resource it happened in and fails the run;
what was done until then stays in the new state (a failed deploy saves partial state).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.handlers.base import (
    Deployed,
    DeployServices,
    Handler,
    ReplaceNeeded,
    ResourceContext,
    error_code,
)
from pcizone.local.deploy.normalize import changed_keys, detokenize, normalize, tokenize
from pcizone.local.deploy.state import Action, Placement, ResourceState, StackState
from pcizone.offline import urns
from pcizone.offline.fake_attributes import FakeContext, fake_attributes
from pcizone.offline.mocks import ProgramMocks, ProviderTarget, plain_inputs
from pcizone.offline.model import Secret, unwrap
from pcizone.offline.monitor import current_urn
from pcizone.offline.wire import decode
from pulumi.runtime.mocks import MockResourceArgs

_PROVIDER_KEY = "__provider"  # provider settings that belong in each resource's diff
_MIN_REDACTED_LENGTH = 4
_CAUSE_MAX = 400


@dataclass(frozen=True)
class DeployedResource:
    """One resource after this run: where it lives, its plain inputs, and what it became."""

    urn: str
    type: str
    name: str
    placement: Placement
    inputs: dict[str, Any]  # plain: secrets revealed; for the local runtime, never printed
    id: str
    outputs: dict[str, Any]
    action: Action
    emulated: bool


@dataclass(frozen=True)
class ResourceFailure:
    urn: str
    type: str
    name: str
    action: Action
    cause: str

    def describe(self) -> str:
        verb = {Action.CREATE: "creating", Action.UPDATE: "updating", Action.REPLACE: "replacing"}
        doing = verb.get(self.action, "deploying")
        return f"{doing} {self.type} {self.name!r} ({self.urn}) failed: {self.cause}"


class UnsupportedResourceType(Exception):
    """A type with neither a handler nor a not-emulated entry: never skipped silently."""


class LocalCloudMocks(ProgramMocks):
    def __init__(
        self,
        *,
        region: str,
        stack_outputs: dict[str, dict[str, Any]],
        stack: str,
        aws: AwsAccess,
        previous: StackState,
        handlers: Mapping[str, Handler],
        not_emulated: Mapping[str, str],
        services: DeployServices,
        hash_key: bytes,
        project_dir: Path,
        generation: str,
    ) -> None:
        super().__init__(region=region, stack_outputs=stack_outputs)
        self.project_dir = project_dir
        self.stack = stack
        self.aws = aws
        self.previous = previous
        self.handlers = handlers
        self.not_emulated = not_emulated
        self.services = services
        self.hash_key = hash_key
        self.state = StackState(stack, generation)  # saved with the snapshot of this run
        self.deployed: dict[str, DeployedResource] = {}
        self.failure: ResourceFailure | None = None
        self.removed: set[str] = set()  # replaced: the old resource is gone, the new one not made
        self._tags: dict[str, dict[str, str]] = {}
        self._results_lock = threading.Lock()

    # -- accounts and providers ------------------------------------------------------------
    def default_account(self) -> str:
        return self.aws.endpoint.management_account

    def register_provider(self, args: MockResourceArgs) -> ProviderTarget:
        target = super().register_provider(args)
        raw = plain_inputs(args).get("defaultTags")
        parsed = json.loads(raw) if isinstance(raw, str) else (raw or {})
        tags = parsed.get("tags") if isinstance(parsed, dict) else None
        urn = current_urn()
        if urn:
            with self._results_lock:
                self._tags[urn] = {str(k): str(v) for k, v in (tags or {}).items()}
        return target

    def _default_tags(self, provider_ref: str) -> dict[str, str]:
        if not provider_ref:
            return {}
        with self._results_lock:
            return dict(self._tags.get(urns.provider_urn_of_reference(provider_ref), {}))

    # -- resources -------------------------------------------------------------------------
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # A StackReference is a read (ReadResource), which the SDK marks as not custom.
        if args.typ == urns.STACK_REFERENCE_TYPE:
            return self.stack_reference(args)
        if not args.custom:
            return "", {}
        if args.typ.startswith("pulumi:providers:"):
            self.register_provider(args)
            urn = current_urn() or args.name
            return hashlib.sha256(urn.encode()).hexdigest()[:32], dict(args.inputs)
        urn = current_urn() or args.name
        action = Action.CREATE
        try:
            decoded = decode(dict(args.inputs))
            target = self.target(args.provider or "")
            # pulumi-aws 7 resources may name their own region, overriding the provider's.
            region = decoded.get("region") if isinstance(decoded.get("region"), str) else None
            placement = Placement(target.account, region or target.region, target.role_arn)
            default_tags = self._default_tags(args.provider or "")
            normalized = normalize(
                decoded,
                key=self.hash_key,
                emulator_url=self.aws.endpoint.url,
                base=self.project_dir,
            )
            normalized[_PROVIDER_KEY] = {"defaultTags": default_tags}
            ctx = ResourceContext(
                urn=urn,
                type=args.typ,
                name=args.name,
                stack=self.stack,
                placement=placement,
                aws=self.aws,
                default_tags=default_tags,
                services=self.services,
                project_dir=self.project_dir,
            )
            plain = unwrap(decoded)
            previous = self.previous.resources.get(urn)
            action = _planned_action(previous, placement, normalized)
            deployed, action, emulated = self._apply(ctx, plain, normalized, previous, action)
        except Exception as exc:
            self._fail(urn, args, action, exc)
            raise
        entry = ResourceState(
            urn=urn,
            type=args.typ,
            id=tokenize(deployed.id, self.aws.endpoint.url),
            placement=placement,
            inputs=normalized,
            outputs=tokenize(deployed.outputs, self.aws.endpoint.url),
            dependencies=previous.dependencies if previous else (),
            emulated=emulated,
        )
        record = DeployedResource(
            urn, args.typ, args.name, placement, plain, deployed.id, deployed.outputs,
            action, emulated,
        )  # fmt: skip
        with self._results_lock:
            self.state.resources[urn] = entry
            self.deployed[urn] = record
        # Raw inputs keep their secret markers, so secret inputs stay secret outputs (and a
        # computed attribute never replaces a secret input with its plain value).
        raw = dict(args.inputs)
        secret = {k for k, v in decoded.items() if isinstance(v, Secret)}
        computed = {k: v for k, v in deployed.outputs.items() if k not in secret}
        return deployed.id, {**raw, **computed}

    def _apply(
        self,
        ctx: ResourceContext,
        plain: dict[str, Any],
        normalized: dict[str, Any],
        previous: ResourceState | None,
        action: Action,
    ) -> tuple[Deployed, Action, bool]:
        handler = self.handlers.get(ctx.type)
        if handler is None:
            if ctx.type not in self.not_emulated:
                raise UnsupportedResourceType(
                    f"resource type {ctx.type} has no local handler and is not listed as not "
                    "emulated (pcizone/local/deploy/not_emulated.py)"
                )
            return self._stand_in(ctx, plain, previous, action), action, False
        if previous is not None and not previous.emulated:
            action = Action.CREATE  # it was a stand-in before; now it is real
        current = deployed_from_state(previous, self.aws.endpoint.url)
        if action is Action.SAME:
            assert current is not None
            handler.ensure(ctx, current, plain)
            return current, action, True
        if action is Action.UPDATE:
            assert previous is not None and current is not None
            changed = changed_keys(previous.inputs, normalized)
            if not changed & handler.replace_on:
                try:
                    return handler.update(ctx, current, plain, changed), action, True
                except ReplaceNeeded:
                    pass
            action = Action.REPLACE
        if action is Action.REPLACE:
            assert previous is not None and current is not None
            # Delete first: most resources here carry fixed physical names.
            old = _context_at(ctx, previous.placement)
            handler.delete(old, current)
            with self._results_lock:
                self.removed.add(ctx.urn)
        return handler.create(ctx, plain), action, True

    def _stand_in(
        self,
        ctx: ResourceContext,
        plain: dict[str, Any],
        previous: ResourceState | None,
        action: Action,
    ) -> Deployed:
        if previous is not None and action is Action.SAME:
            current = deployed_from_state(previous, self.aws.endpoint.url)
            assert current is not None
            return current
        fake = FakeContext(ctx.urn, ctx.type, ctx.name, plain, ctx.account, ctx.region)
        computed = fake_attributes(fake)
        outputs = {k: v for k, v in computed.items() if k not in plain}
        return Deployed(str(computed["id"]), outputs)

    def _fail(self, urn: str, args: MockResourceArgs, action: Action, exc: Exception) -> None:
        cause = describe_cause(exc, _secret_values(decode(dict(args.inputs))))
        failure = ResourceFailure(urn, args.typ, args.name, action, cause)
        with self._results_lock:
            if self.failure is None:
                self.failure = failure


def _planned_action(
    previous: ResourceState | None, placement: Placement, normalized: dict[str, Any]
) -> Action:
    if previous is None:
        return Action.CREATE
    if previous.placement != placement:
        return Action.REPLACE
    if previous.inputs == normalized:
        return Action.SAME
    return Action.UPDATE


def deployed_from_state(previous: ResourceState | None, emulator_url: str) -> Deployed | None:
    if previous is None:
        return None
    return Deployed(
        detokenize(previous.id, emulator_url), detokenize(previous.outputs, emulator_url)
    )


def _context_at(ctx: ResourceContext, placement: Placement) -> ResourceContext:
    return ResourceContext(
        ctx.urn,
        ctx.type,
        ctx.name,
        ctx.stack,
        placement,
        ctx.aws,
        ctx.default_tags,
        ctx.services,
        ctx.project_dir,
    )


def describe_cause(exc: BaseException, secrets: list[str]) -> str:
    code = error_code(exc)
    if code is not None:
        message = getattr(exc, "response", {}).get("Error", {}).get("Message", "")
        text = f"{code}: {message}".strip().rstrip(":")
    else:
        text = f"{type(exc).__name__}: {exc}"
    for value in sorted(secrets, key=len, reverse=True):
        text = text.replace(value, "[secret]")
    text = " ".join(text.split())
    return text if len(text) <= _CAUSE_MAX else text[: _CAUSE_MAX - 3] + "..."


def _secret_values(value: Any) -> list[str]:
    """Every string inside a secret input, so an error message can never print one."""
    found: list[str] = []

    def walk(item: Any, secret: bool) -> None:
        if isinstance(item, Secret):
            walk(item.value, True)
        elif isinstance(item, dict):
            for child in item.values():
                walk(child, secret)
        elif isinstance(item, list | tuple):
            for child in item:
                walk(child, secret)
        elif secret and isinstance(item, str) and len(item) >= _MIN_REDACTED_LENGTH:
            found.append(item)
            found.extend(_json_strings(item))

    walk(value, False)
    return found


def _json_strings(text: str) -> list[str]:
    """The string values inside a JSON secret (a secret string is often a JSON object)."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return []
    if isinstance(parsed, dict):
        return [v for v in parsed.values() if isinstance(v, str) and len(v) >= _MIN_REDACTED_LENGTH]
    return []
