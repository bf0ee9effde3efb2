"""Guardrail service control policies: one document per guardrail, grouped by concern."""

from __future__ import annotations

from pcizone.landing_zone.scps.audit_logging import protect_audit_logs, protect_log_encryption
from pcizone.landing_zone.scps.data_protection import protect_keys, require_encrypted_storage
from pcizone.landing_zone.scps.inputs import Guardrail, GuardrailInputs, Placement
from pcizone.landing_zone.scps.organization_integrity import (
    deny_iam_users,
    deny_leaving_organization,
    deny_root_user,
)
from pcizone.landing_zone.scps.quarantine import quarantine
from pcizone.landing_zone.scps.regions import deny_other_regions
from pcizone.landing_zone.scps.security_services import (
    protect_account_defaults,
    protect_security_services,
)


def guardrails(inputs: GuardrailInputs) -> list[Guardrail]:
    """Every guardrail that applies to all member accounts, in attachment-priority order."""
    return [
        deny_leaving_organization(),
        deny_root_user(),
        protect_audit_logs(inputs),
        deny_other_regions(inputs),
        protect_security_services(inputs),
        protect_account_defaults(inputs),
        protect_keys(inputs),
        deny_iam_users(),
        require_encrypted_storage(),
        protect_log_encryption(),
    ]


__all__ = ["Guardrail", "GuardrailInputs", "Placement", "guardrails", "quarantine"]
