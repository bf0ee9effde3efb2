"""Disaster-recovery drills: a workload probe, local and AWS fault injection, evidence reports.

The drills measure what PCI DSS 12.10.2 asks a payments company to test at least once a year:
that the incident response plan's recovery steps work, and how long (RTO) and how much data
(RPO) a database failover costs, with every step timestamped for the auditor (10.2.x).
"""
