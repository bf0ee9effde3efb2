"""The data-protection policy that masks card data in payment log groups."""

from __future__ import annotations

import json

import pytest
from pcizone.log_pipeline.protection import pan_data_protection_policy

IDENTIFIERS = [
    "arn:aws:dataprotection::aws:data-identifier/CreditCardNumber",
    "arn:aws:dataprotection::aws:data-identifier/CreditCardExpiration",
    "arn:aws:dataprotection::aws:data-identifier/CreditCardSecurityCode",
]


def test_policy_audits_then_masks_card_numbers_expiry_and_security_codes() -> None:
    text = pan_data_protection_policy("pcz-prod-payments-api-card-numbers")
    policy = json.loads(text)
    assert policy["Name"] == "pcz-prod-payments-api-card-numbers"
    assert policy["Version"] == "2021-06-01"
    audit, mask = policy["Statement"]
    # CloudWatch Logs requires the audit statement first and the same identifiers in both.
    assert audit["DataIdentifier"] == IDENTIFIERS
    assert audit["Operation"] == {"Audit": {"FindingsDestination": {}}}
    assert mask["DataIdentifier"] == IDENTIFIERS
    assert mask["Operation"] == {"Deidentify": {"MaskConfig": {}}}
    assert text == json.dumps(policy, separators=(",", ":"))


@pytest.mark.parametrize("name", ["", "has space", "a" * 129, "semi;colon"])
def test_invalid_policy_names_are_refused_with_one_line(name: str) -> None:
    with pytest.raises(ValueError, match=r"^data protection policy name must be 1-128") as caught:
        pan_data_protection_policy(name)
    assert "\n" not in str(caught.value)
