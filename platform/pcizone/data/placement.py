"""Where a component's resources go: one provider (account and region) and ARN building."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PARTITION = "aws"  # the config accepts commercial regions only (pcizone.config.fields)


@dataclass(frozen=True)
class Placement:
    provider: aws.Provider
    account_id: pulumi.Output[str]
    region: str

    def opts(
        self,
        parent: pulumi.Resource,
        *,
        depends_on: Sequence[pulumi.Resource] = (),
        protect: bool = False,
    ) -> pulumi.ResourceOptions:
        """Every resource names its provider explicitly (never the ambient default)."""
        return pulumi.ResourceOptions(
            provider=self.provider,
            parent=parent,
            depends_on=list(depends_on),
            protect=protect,
        )

    def invoke_opts(self, parent: pulumi.Resource) -> pulumi.InvokeOutputOptions:
        return pulumi.InvokeOutputOptions(provider=self.provider, parent=parent)

    def arn(self, service: str, resource: str, *, regional: bool = True) -> pulumi.Output[str]:
        """An ARN in this account: `arn:aws:<service>:<region>:<account>:<resource>`."""
        region = self.region if regional else ""
        return pulumi.Output.concat(
            f"arn:{PARTITION}:{service}:{region}:", self.account_id, f":{resource}"
        )

    def service_host(self, service: str) -> str:
        """The regional endpoint host a service calls KMS through (kms:ViaService)."""
        return f"{service}.{self.region}.amazonaws.com"
