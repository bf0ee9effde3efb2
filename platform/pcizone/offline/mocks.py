"""Mocks shared by the offline preview and the local cloud: providers, invokes, stack references."""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from pcizone.offline import urns
from pcizone.offline.model import unwrap
from pcizone.offline.monitor import current_urn
from pcizone.offline.wire import decode

MANAGEMENT_ACCOUNT = "111111111111"  # the offline stand-in for the management account's id
_ACCOUNT_IN_ARN = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):")


@dataclass(frozen=True)
class ProviderTarget:
    """Where a provider's resources land: account and region."""

    account: str
    region: str
    role_arn: str | None = None


class StackReferenceError(RuntimeError):
    pass


class ProgramMocks(pulumi.runtime.Mocks):  # type: ignore[misc]
    """Base mocks: resolves stack references and knows each provider's account and region."""

    def __init__(self, *, region: str, stack_outputs: dict[str, dict[str, Any]]) -> None:
        self.region = region
        self.stack_outputs = stack_outputs
        self._providers: dict[str, ProviderTarget] = {}
        self._lock = threading.Lock()

    # -- providers -------------------------------------------------------------------------
    def target(self, provider_ref: str) -> ProviderTarget:
        if not provider_ref:
            return ProviderTarget(self.default_account(), self.region)
        urn = urns.provider_urn_of_reference(provider_ref)
        with self._lock:
            found = self._providers.get(urn)
        if found is None:
            raise RuntimeError(f"resource uses provider {urn} that was never registered")
        return found

    def default_account(self) -> str:
        return MANAGEMENT_ACCOUNT

    def register_provider(self, args: MockResourceArgs) -> ProviderTarget:
        inputs = plain_inputs(args)
        region = str(inputs.get("region") or self.region)
        roles = _json(inputs.get("assumeRoles")) or []
        if isinstance(roles, dict):
            roles = [roles]
        first = roles[0] if isinstance(roles, list) and roles and isinstance(roles[0], dict) else {}
        role_arn = str(first["roleArn"]) if first.get("roleArn") else None
        account = self.default_account()
        allowed = [a for a in (_json(inputs.get("allowedAccountIds")) or []) if a]
        if role_arn and (m := _ACCOUNT_IN_ARN.match(role_arn)):
            account = m[1]
        elif allowed:
            account = str(allowed[0])
        target = ProviderTarget(account=account, region=region, role_arn=role_arn)
        urn = current_urn()
        if urn:
            with self._lock:
                self._providers[urn] = target
        return target

    # -- stack references ------------------------------------------------------------------
    def stack_reference(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        full = str(plain_inputs(args).get("name") or args.name)
        short = full.rsplit("/", 1)[-1]
        if short not in self.stack_outputs:
            known = ", ".join(sorted(self.stack_outputs)) or "none"
            raise StackReferenceError(
                f"stack reference {full!r}: stack {short!r} was not deployed first (known: {known})"
            )
        outputs = self.stack_outputs[short]
        return full, {"name": full, "outputs": outputs, "secretOutputNames": []}

    # -- invokes ---------------------------------------------------------------------------
    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        target = self.target(args.provider or "")
        token = args.token  # an invoke token (function name), not a credential
        if token == "aws:index/getCallerIdentity:getCallerIdentity":  # noqa: S105
            account = target.account
            arn = f"arn:aws:sts::{account}:assumed-role/pcizone/offline"
            return {"accountId": account, "arn": arn, "userId": "OFFLINE", "id": account}, []
        if token == "aws:index/getRegion:getRegion":  # noqa: S105
            return {"name": target.region, "region": target.region, "id": target.region}, []
        if token == "aws:index/getPartition:getPartition":  # noqa: S105
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}, []
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":  # noqa: S105
            names = [f"{target.region}{s}" for s in "abc"]
            ids = [f"{target.region[:3]}{target.region[-1]}-az{i}" for i in (1, 2, 3)]
            return {"names": names, "zoneIds": ids, "id": target.region}, []
        raise NotImplementedError(f"invoke {token} is not supported offline; avoid it or add it")


def plain_inputs(args: MockResourceArgs) -> dict[str, Any]:
    """Inputs with secret markers and unknowns removed (for emulators, never for printing)."""
    result = unwrap(decode(dict(args.inputs)))
    assert isinstance(result, dict)
    return result


def _json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] in {"[", "{"}:
        return json.loads(value)
    return value
