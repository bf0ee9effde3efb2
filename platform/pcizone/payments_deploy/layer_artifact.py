"""The dependency layer as the program declares it: the locked path and hash, never a build.

See layer_lock.py for when the file must exist. The check below runs only when the real
engine is about to deploy (not a preview, not the SDK's mocks), and says what to run.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.mocks import MockMonitor

from pcizone.config.loader import find_repo_root
from pcizone.core.naming import Naming
from pcizone.data.placement import Placement
from pcizone.payments_deploy.function import ARCHITECTURE, RUNTIME
from pcizone.payments_deploy.layer_lock import read_lock


def _deploying_for_real() -> bool:
    if pulumi.runtime.is_dry_run():
        return False
    return not isinstance(runtime_settings.get_monitor(), MockMonitor)


def dependency_layer(
    name: str, *, naming: Naming, placement: Placement, parent: pulumi.Resource
) -> aws.lambda_.LayerVersion:
    lock = read_lock()
    if _deploying_for_real() and not (find_repo_root() / lock.artifact_path).is_file():
        # RunError: the engine prints the message without a Python traceback.
        raise pulumi.RunError(
            f"the Lambda dependency layer {lock.artifact_path} is not built: run `make layer`"
            " (it needs the package index) before deploying"
        )
    return aws.lambda_.LayerVersion(
        name,
        layer_name=naming.name("payments-deps"),
        description="pcizone payments dependencies (locked in layer.lock.json)",
        code=pulumi.FileArchive(lock.artifact_path),
        source_code_hash=lock.lambda_hash,
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
        skip_destroy=False,
        opts=placement.opts(parent),
    )
