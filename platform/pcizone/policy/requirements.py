"""PCI DSS v4.0.1 requirement sections that a resource configuration can evidence.

Numbers and titles as in the public mapping of PCI DSS v4.0 sections to AWS configuration checks
(the one AWS Config's PCI DSS conformance pack uses). Policies may cite only these sections;
a test keeps policy metadata and this table in step.
"""

from __future__ import annotations

# The title of each requirement (the first two levels of a section number).
TITLES: dict[str, str] = {
    "1.2": "Network security controls (NSCs) are configured and maintained",
    "1.3": "Network access to and from the cardholder data environment is restricted",
    "1.4": "Network connections between trusted and untrusted networks are controlled",
    "1.5": (
        "Risks to the CDE from computing devices that are able to connect to both "
        "untrusted networks and the CDE are mitigated"
    ),
    "2.2": "System components are configured and managed securely",
    "3.2": "Storage of account data is kept to a minimum",
    "3.3": "Sensitive authentication data (SAD) is not stored after authorization",
    "3.5": "Primary account number (PAN) is secured wherever it is stored",
    "3.6": "Cryptographic keys used to protect stored account data are secured",
    "3.7": (
        "Where cryptography is used to protect stored account data, key management "
        "processes and procedures covering all aspects of the key lifecycle are defined "
        "and implemented"
    ),
    "4.2": "PAN is protected with strong cryptography during transmission",
    "5.3": "Anti-malware mechanisms and processes are active, maintained, and monitored",
    "6.3": "Security vulnerabilities are identified and addressed",
    "6.4": "Public-facing web applications are protected against attacks",
    "6.5": "Changes to all system components are managed securely",
    "7.2": "Access to system components and data is appropriately defined and assigned",
    "7.3": "Access to system components and data is managed via an access control system(s)",
    "8.2": (
        "User identification and related accounts for users and administrators are "
        "strictly managed throughout an accounts lifecycle"
    ),
    "8.3": "Strong authentication for users and administrators is established and managed",
    "8.4": "Multi-factor authentication (MFA) is implemented to secure access into the CDE",
    "8.6": (
        "Use of application and system accounts and associated authentication factors is "
        "strictly managed"
    ),
    "10.2": (
        "Audit logs are implemented to support the detection of anomalies and suspicious "
        "activity, and the forensic analysis of events"
    ),
    "10.3": "Audit logs are protected from destruction and unauthorized modifications",
    "10.4": "Audit logs are reviewed to identify anomalies or suspicious activity",
    "10.5": "Audit log history is retained and available for analysis",
    "10.6": "Time-synchronization mechanisms support consistent time settings across all systems",
    "10.7": (
        "Failures of critical security control systems are detected, reported, and "
        "responded to promptly"
    ),
    "11.3": (
        "External and internal vulnerabilities are regularly identified, prioritized, and addressed"
    ),
    "11.5": "Network intrusions and unexpected file changes are detected and responded to",
    "11.6": "Unauthorized changes on payment pages are detected and responded to",
    "12.4": "PCI DSS compliance is managed",
    "12.10": (
        "Suspected and confirmed security incidents that could impact the CDE are "
        "responded to immediately"
    ),
    "A1.1": (
        "Multi-tenant service providers protect and separate all customer environments and data"
    ),
    "A1.2": (
        "Multi-tenant service providers facilitate logging and incident response for all customers"
    ),
    "A3.2": "PCI DSS scope is documented and validated",
    "A3.3": "PCI DSS is incorporated into business-as-usual (BAU) activities",
    "A3.4": "Logical access to the cardholder data environment is controlled and managed",
    "A3.5": "Suspicious events are identified and responded to",
}

SECTIONS: tuple[str, ...] = (
    "1.2.5",
    "1.2.8",
    "1.3.1",
    "1.3.2",
    "1.4.1",
    "1.4.2",
    "1.4.3",
    "1.4.4",
    "1.4.5",
    "1.5.1",
    "2.2.5",
    "2.2.7",
    "3.2.1",
    "3.3.1.1",
    "3.3.1.3",
    "3.3.2",
    "3.3.3",
    "3.5.1",
    "3.5.1.1",
    "3.5.1.3",
    "3.6.1",
    "3.6.1.2",
    "3.6.1.3",
    "3.6.1.4",
    "3.7.1",
    "3.7.2",
    "3.7.4",
    "3.7.5",
    "3.7.6",
    "3.7.7",
    "4.2.1",
    "4.2.1.1",
    "5.3.4",
    "6.3.3",
    "6.4.1",
    "6.4.2",
    "6.5.5",
    "6.5.6",
    "7.2.1",
    "7.2.2",
    "7.2.3",
    "7.2.4",
    "7.2.5",
    "7.2.5.1",
    "7.2.6",
    "7.3.1",
    "7.3.2",
    "7.3.3",
    "8.2.1",
    "8.2.2",
    "8.2.4",
    "8.2.5",
    "8.2.6",
    "8.2.7",
    "8.2.8",
    "8.3.2",
    "8.3.4",
    "8.3.5",
    "8.3.6",
    "8.3.7",
    "8.3.9",
    "8.3.10.1",
    "8.3.11",
    "8.4.1",
    "8.4.2",
    "8.4.3",
    "8.6.3",
    "10.2.1",
    "10.2.1.1",
    "10.2.1.2",
    "10.2.1.3",
    "10.2.1.4",
    "10.2.1.5",
    "10.2.1.6",
    "10.2.1.7",
    "10.2.2",
    "10.3.1",
    "10.3.2",
    "10.3.3",
    "10.3.4",
    "10.4.1",
    "10.4.1.1",
    "10.4.2",
    "10.4.3",
    "10.5.1",
    "10.6.3",
    "10.7.1",
    "10.7.2",
    "11.3.1",
    "11.3.1.1",
    "11.3.1.2",
    "11.3.1.3",
    "11.5.1",
    "11.5.1.1",
    "11.5.2",
    "11.6.1",
    "12.4.2.1",
    "12.10.5",
    "A1.1.2",
    "A1.1.3",
    "A1.2.1",
    "A1.2.3",
    "A3.2.5.1",
    "A3.2.5.2",
    "A3.3.1",
    "A3.4.1",
    "A3.5.1",
)


def title(section: str) -> str:
    """The title of the requirement a section belongs to."""
    return TITLES[".".join(section.split(".")[:2])]


def section_key(section: str) -> tuple[int, ...]:
    """Sort key in the standard's order: 1.2.5 < 1.2.8 < 10.2.1; appendix A sections last."""
    appendix = section.startswith("A")
    parts = section.lstrip("A").split(".")
    return (1 if appendix else 0, *(int(p) for p in parts))
