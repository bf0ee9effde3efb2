"""One customer managed KMS key per data class, each with its own narrow key policy."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import Naming
from pcizone.data.key_policy import KEY_SPECS, KeyClass, key_policy_statements
from pcizone.data.placement import Placement
from pcizone.data.policy_documents import document

DELETION_WINDOW_DAYS = 30  # the longest KMS allows: a mistaken deletion can be cancelled
ROTATION_PERIOD_DAYS = 365  # PCI DSS 3.6.1 / 3.7.4: at least yearly


class DataKeys(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        *,
        naming: Naming,
        placement: Placement,
        deployer_role: str,
        classes: Sequence[KeyClass] = tuple(KeyClass),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("pcizone:data:DataKeys", name, None, opts)
        self.keys: dict[KeyClass, aws.kms.Key] = {}
        for key_class in classes:
            spec = KEY_SPECS[key_class]
            slug = spec.slug
            key = aws.kms.Key(
                f"{name}-{slug}",
                description=f"{naming.prefix}: {spec.description}",
                key_usage="ENCRYPT_DECRYPT",
                customer_master_key_spec="SYMMETRIC_DEFAULT",
                enable_key_rotation=True,
                rotation_period_in_days=ROTATION_PERIOD_DAYS,
                deletion_window_in_days=DELETION_WINDOW_DAYS,
                is_enabled=True,
                multi_region=False,
                bypass_policy_lockout_safety_check=False,
                policy=document(
                    key_policy_statements(
                        spec,
                        account_id=placement.account_id,
                        region=placement.region,
                        deployer_role=deployer_role,
                    )
                ),
                tags=naming.tags(spec.data_class, component="keys"),
                opts=placement.opts(self),
            )
            aws.kms.Alias(
                f"{name}-{slug}",
                name=f"alias/{naming.name(slug)}",
                target_key_id=key.key_id,
                opts=placement.opts(self),
            )
            self.keys[key_class] = key
        self.register_outputs({k.value: key.arn for k, key in self.keys.items()})

    def arn(self, key_class: KeyClass) -> pulumi.Output[str]:
        return self.keys[key_class].arn

    def arns(self) -> dict[str, pulumi.Output[str]]:
        """The `keyArns` stack output: {cardholderData, logs, queues, secrets}."""
        return {k.value: key.arn for k, key in self.keys.items()}
