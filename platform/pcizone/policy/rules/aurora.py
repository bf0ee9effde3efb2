"""Aurora PostgreSQL: encrypted with a CMK, TLS and IAM auth, private, backed up, audited."""

from __future__ import annotations

from collections.abc import Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.checks import flags_true
from pcizone.policy.spec import Level, NotApplicable, Severity, resource_policy, stack_policy
from pcizone.policy.views import Context, Resource, Stack

MIN_BACKUP_DAYS = 7
MIN_PROD_BACKUP_DAYS = 35
# Parameters that make the engine refuse clients without TLS, per engine family.
TLS_PARAMETERS = {
    "aurora-postgresql": ("rds.force_ssl", "1"),
    "aurora-mysql": ("require_secure_transport", "ON"),
}
LOG_EXPORTS = {"aurora-postgresql": "postgresql", "aurora-mysql": "audit"}


@resource_policy(
    "pci-aurora-storage-cmk",
    "Aurora clusters encrypt storage, snapshots and backups with a customer managed KMS key.",
    requirements=("3.5.1", "3.5.1.3", "3.6.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.RDS_CLUSTER,),
    remediation="Set storage_encrypted=True and kms_key_id to the stack's data key ARN.",
)
def aurora_storage_cmk(cluster: Resource, _ctx: Context) -> Iterator[str]:
    yield from flags_true(cluster, "storageEncrypted")
    if values.as_str(cluster.props.get("kmsKeyId")) is None:
        yield "kmsKeyId is not set (storage would use the AWS managed key)"


@resource_policy(
    "pci-aurora-iam-auth",
    "Aurora clusters accept IAM database authentication, so workloads need no passwords.",
    requirements=("8.3.2", "8.6.3"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    types=(t.RDS_CLUSTER,),
    remediation="Set iam_database_authentication_enabled=True.",
)
def aurora_iam_auth(cluster: Resource, _ctx: Context) -> Iterator[str]:
    yield from flags_true(cluster, "iamDatabaseAuthenticationEnabled")


@resource_policy(
    "pci-rds-not-public",
    "Database instances are not publicly accessible.",
    requirements=("1.3.1", "1.3.2", "1.4.4"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    types=(t.RDS_CLUSTER_INSTANCE, t.RDS_INSTANCE),
    remediation="Set publicly_accessible=False.",
)
def rds_not_public(instance: Resource, _ctx: Context) -> Iterator[str]:
    if values.as_bool(instance.props.get("publiclyAccessible")) is not False:
        yield "publiclyAccessible is not false"


@resource_policy(
    "pci-aurora-backup-retention",
    "Aurora clusters keep automated backups for at least 7 days, and 35 days in prod.",
    requirements=("10.3.3", "10.5.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.RDS_CLUSTER,),
    remediation="Set backup_retention_period to 7 or more (35 in prod).",
)
def aurora_backup_retention(cluster: Resource, ctx: Context) -> Iterator[str]:
    days = values.as_number(cluster.props.get("backupRetentionPeriod"))
    needed = MIN_PROD_BACKUP_DAYS if ctx.is_prod(cluster) else MIN_BACKUP_DAYS
    if days is None:
        yield "backupRetentionPeriod is not set"
    elif days < needed:
        stage = ctx.stage_of(cluster) or "an unstated stage (treated as prod)"
        yield f"backupRetentionPeriod is {values.fmt_number(days)} days, below {needed} for {stage}"


@resource_policy(
    "pci-aurora-deletion-protection",
    "Prod Aurora clusters have deletion protection.",
    requirements=("10.3.3",),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.RDS_CLUSTER,),
    remediation="Set deletion_protection=True in prod.",
)
def aurora_deletion_protection(cluster: Resource, ctx: Context) -> Iterator[str]:
    if not ctx.is_prod(cluster):
        raise NotApplicable(f"deletion protection is required in prod, not {ctx.stage_of(cluster)}")
    yield from flags_true(cluster, "deletionProtection")


@resource_policy(
    "pci-aurora-log-exports",
    "Aurora clusters export their database logs to CloudWatch Logs.",
    requirements=("10.2.1", "10.2.1.2", "10.2.1.5"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.RDS_CLUSTER,),
    remediation='Set enabled_cloudwatch_logs_exports=["postgresql"].',
)
def aurora_log_exports(cluster: Resource, _ctx: Context) -> Iterator[str]:
    exports = values.as_str_list(cluster.props.get("enabledCloudwatchLogsExports"))
    engine = values.as_str(cluster.props.get("engine")) or "aurora-postgresql"
    wanted = LOG_EXPORTS.get(engine)
    if not exports:
        yield "enabledCloudwatchLogsExports is empty or not set"
    elif wanted is not None and wanted not in exports:
        yield f"enabledCloudwatchLogsExports does not include {wanted}"


@stack_policy(
    "pci-aurora-force-ssl",
    "Aurora clusters use a cluster parameter group that refuses connections without TLS.",
    requirements=("4.2.1", "2.2.7"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.RDS_CLUSTER,),
    remediation=(
        "Give the cluster an aws.rds.ClusterParameterGroup with rds.force_ssl = 1 "
        "(aurora-mysql: require_secure_transport = ON)."
    ),
)
def aurora_force_ssl(cluster: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    engine = values.as_str(cluster.props.get("engine")) or "aurora-postgresql"
    name, wanted = TLS_PARAMETERS.get(engine, TLS_PARAMETERS["aurora-postgresql"])
    # Link through the dependency first: an autonamed group's name is unknown in preview.
    groups = stack.referenced(
        cluster, "dbClusterParameterGroupName", (t.RDS_CLUSTER_PARAMETER_GROUP,), "name"
    )
    if not groups:
        if values.as_str(cluster.props.get("dbClusterParameterGroupName")) is None:
            yield "dbClusterParameterGroupName is not set (the default group does not force TLS)"
        else:
            yield "its cluster parameter group is not declared in this stack, so TLS is unproven"
        return
    for group in groups:
        for parameter in values.as_list(group.props.get("parameters")):
            if values.get(parameter, "name") == name:
                if str(values.get(parameter, "value")).upper() == wanted.upper():
                    return
                yield f"parameter group {group.name} sets {name} to a value other than {wanted}"
                return
        yield f"parameter group {group.name} does not set {name} = {wanted}"


def _selected_by(cluster: Resource, selection: Resource) -> bool:
    if selection.refers_to("resources", cluster):
        return True
    if values.as_str(cluster.props.get("arn")) in values.as_str_list(
        selection.props.get("resources")
    ):
        return True
    for test in values.as_list(selection.props.get("selectionTags")):
        key = values.as_str(values.get(test, "key"))
        if key is not None and cluster.tag(key) == values.get(test, "value"):
            return True
    return False


@stack_policy(
    "pci-aurora-backup-plan",
    "Aurora clusters are selected by an AWS Backup plan declared in the same stack.",
    requirements=("10.3.3", "10.5.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    types=(t.RDS_CLUSTER,),
    remediation="Add an aws.backup.Selection for the cluster's ARN to the stack's backup plan.",
)
def aurora_backup_plan(cluster: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    plans = stack.of_type(t.BACKUP_PLAN)
    for selection in stack.of_type(t.BACKUP_SELECTION):
        if not _selected_by(cluster, selection):
            continue
        if any(selection.refers_to("planId", plan) for plan in plans):
            return
        yield f"backup selection {selection.name} names no backup plan in this stack"
        return
    yield "no backup selection includes this cluster"


@resource_policy(
    "pci-rds-proxy-tls",
    "RDS Proxies require TLS from every client.",
    requirements=("4.2.1", "2.2.7"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    types=(t.RDS_PROXY,),
    remediation="Set require_tls=True.",
)
def rds_proxy_tls(proxy: Resource, _ctx: Context) -> Iterator[str]:
    yield from flags_true(proxy, "requireTls")
