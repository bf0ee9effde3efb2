"""Resource types the local cloud cannot create, each with the reason (shown in the summary).

A resource of one of these types gets a stand-in: deterministic ids and ARNs, so what depends
on it still deploys, but nothing exists in the emulator. A type that is neither here nor in
`handlers` fails the deploy: nothing the program declares is skipped silently.
"""

from __future__ import annotations

from typing import Final

NOT_EMULATED: Final[dict[str, str]] = {
    "aws:accessanalyzer/analyzer:Analyzer": (
        "the emulator has no IAM Access Analyzer; the policy pack checks the analyzer is declared"
    ),
    "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy": (
        "the emulator has no CloudWatch Logs data protection; locally, the functions' own "
        "log processor masks card numbers before a log line leaves the process"
    ),
    "aws:guardduty/detectorFeature:DetectorFeature": (
        "the emulator has no GuardDuty protection plans (it stores the detector only)"
    ),
    "aws:guardduty/member:Member": "the emulator has no GuardDuty member accounts",
    "aws:guardduty/organizationConfiguration:OrganizationConfiguration": (
        "the emulator cannot configure GuardDuty for an organization"
    ),
    "aws:securityhub/standardsSubscription:StandardsSubscription": (
        "the emulator has no Security Hub standards (PCI DSS, FSBP) or their controls"
    ),
    "aws:backup/selection:Selection": (
        "the emulator has no Backup selections or jobs; the restore drill restores the local "
        "PostgreSQL instead"
    ),
}
