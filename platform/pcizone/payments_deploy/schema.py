"""The service's own database and IAM user, and its migrations, applied on every deploy.

A migrator function (payments.handlers.migrator) is invoked by the deploy itself
(`aws.lambda_.Invocation`) whenever the migrations' or the code's hash changes; the payment
functions depend on that invocation, so new code never runs against an old schema. The
invocation fails the deploy if the migrator raises.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws

from pcizone.core.naming import Naming
from pcizone.data.placement import Placement
from pcizone.payments_deploy.code_package import CodePackage


def database_identifiers(naming: Naming) -> tuple[str, str]:
    """(database, user) for the stack: `pcz_u_alice_payments`, `pcz_u_alice_app`.

    Derived from the naming prefix, so two stacks never share one; every user starts with
    `pcz_`, the prefix RDS Proxy's role may connect as (pcizone.data.proxy).
    """
    base = naming.prefix.replace("-", "_")
    return f"{base}_payments", f"{base}_app"


def migration_invocation(
    name: str,
    *,
    function: aws.lambda_.Function,
    code: CodePackage,
    processor: str,
    placement: Placement,
    parent: pulumi.Resource,
) -> aws.lambda_.Invocation:
    return aws.lambda_.Invocation(
        name,
        function_name=function.name,
        input=json.dumps({"migrationsSha256": code.migrations_sha256}, sort_keys=True),
        # The processor too: switching a stack to the fake one must create its journal.
        triggers={
            "migrationsSha256": code.migrations_sha256,
            "codeSha256": code.sha256,
            "processor": processor,
        },
        opts=placement.opts(parent, depends_on=[function]),
    )
