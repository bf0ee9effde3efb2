"""AWS Backup: recovery points encrypted with a customer managed key."""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy.checks import strings_set
from pcizone.policy.spec import Level, Severity, resource_policy
from pcizone.policy.views import Context, Resource


@resource_policy(
    "pci-backup-vault-kms",
    "Backup vaults encrypt recovery points with a customer managed KMS key.",
    requirements=("3.5.1", "3.6.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.BACKUP_VAULT,),
    remediation="Set kms_key_arn to the stack's backup key ARN.",
)
def backup_vault_kms(vault: Resource, _ctx: Context) -> Iterator[str]:
    yield from strings_set(vault, "kmsKeyArn")
