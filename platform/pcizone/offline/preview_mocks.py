"""Mocks for the offline preview: every resource "exists" with deterministic computed values."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.mocks import MockResourceArgs

from pcizone.offline import urns
from pcizone.offline.fake_attributes import FakeContext, fake_attributes
from pcizone.offline.mocks import ProgramMocks, plain_inputs
from pcizone.offline.monitor import current_urn


class PreviewMocks(ProgramMocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # A StackReference is a read (ReadResource), which the SDK marks as not custom.
        if args.typ == urns.STACK_REFERENCE_TYPE:
            return self.stack_reference(args)
        if not args.custom:
            return "", {}
        if args.typ.startswith("pulumi:providers:"):
            self.register_provider(args)
            return f"{args.name}-provider", dict(args.inputs)
        target = self.target(args.provider or "")
        context = FakeContext(
            urn=current_urn() or args.name,
            type=args.typ,
            name=args.name,
            inputs=plain_inputs(args),
            account=target.account,
            region=target.region,
        )
        computed = fake_attributes(context)
        # Inputs win over fakes (a given name stays that name); raw inputs keep secret markers.
        state = {**computed, **dict(args.inputs)}
        return str(computed["id"]), state
