"""The CloudWatch Logs data-protection policy that masks card data in payment log groups.

PCI DSS 3.3.1, 3.4.1, 3.5.1: card numbers, expiry dates and security codes that reach a log
group despite the application's own masking are audited (a finding metric) and shown masked
to everyone without logs:Unmask, which every human role is denied.
"""

from __future__ import annotations

import json
import re

POLICY_VERSION = "2021-06-01"
CARD_DATA_IDENTIFIERS = tuple(
    f"arn:aws:dataprotection::aws:data-identifier/{name}"
    for name in ("CreditCardNumber", "CreditCardExpiration", "CreditCardSecurityCode")
)
_POLICY_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,128}$")


def pan_data_protection_policy(policy_name: str) -> str:
    """The policy document (JSON) for `aws.cloudwatch.LogDataProtectionPolicy`."""
    if not _POLICY_NAME.match(policy_name):
        raise ValueError(
            "data protection policy name must be 1-128 letters, digits or ._- characters,"
            f" got {policy_name!r}"
        )
    identifiers = list(CARD_DATA_IDENTIFIERS)
    return json.dumps(
        {
            "Name": policy_name,
            "Description": "Audit and mask card numbers, expiry dates and security codes",
            "Version": POLICY_VERSION,
            "Statement": [
                {
                    "Sid": "AuditCardData",
                    "DataIdentifier": identifiers,
                    "Operation": {"Audit": {"FindingsDestination": {}}},
                },
                {
                    "Sid": "MaskCardData",
                    "DataIdentifier": identifiers,
                    "Operation": {"Deidentify": {"MaskConfig": {}}},
                },
            ],
        },
        separators=(",", ":"),
    )
