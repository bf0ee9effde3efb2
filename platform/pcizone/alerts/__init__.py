"""Alarms and the encrypted topic they notify (PCI DSS 10.7.1, 10.7.2, 12.10.5)."""
