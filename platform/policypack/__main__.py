"""The policy pack's entry point, run by the Pulumi CLI (`--policy-pack platform/policypack`).

This is the only place a `PolicyPack` is constructed: the constructor starts the analyzer's
gRPC server, prints its port for the engine and serves until the engine stops it.
"""

from pcizone.policy.crossguard import build_policies
from pcizone.policy.registry import PACK_NAME
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(),
    # Each policy carries its own default level; stacks set theirs with a pack config file.
    enforcement_level=EnforcementLevel.ADVISORY,
    description="PCI DSS v4.0.1 controls for pcizone stacks",
)
