"""The Quarantine OU's policy: an account moved there can do nothing until it is investigated."""

from __future__ import annotations

from pcizone.landing_zone.documents import document, statement
from pcizone.landing_zone.scps.inputs import Guardrail, Placement


def quarantine() -> Guardrail:
    return Guardrail(
        key="quarantine-deny-all",
        description=(
            "PCI DSS 12.10.1: a suspected-compromised account moved to the Quarantine OU is"
            " contained; every action is denied until incident response releases it."
        ),
        document=document(statement("DenyEverything", "Deny", actions="*", resources="*")),
        placement=Placement.QUARANTINE,
    )
