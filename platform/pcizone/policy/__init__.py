"""The PCI DSS v4.0.1 policy pack: rules over wire-shaped resources, offline evaluation, reports.

Rules live here (importable, testable); `platform/policypack/__main__.py` is the only place a
CrossGuard `PolicyPack` is built. Offline, the same rules run through pulumi-policy's own
analyzer servicer (`pcizone.policy.analyzer`), so a verdict here is the verdict the engine gives.
"""
