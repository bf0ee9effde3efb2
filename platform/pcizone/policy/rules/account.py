"""The account baseline every stage stack declares, in every region the stack deploys to.

Account public access block is account-wide; EBS default encryption, GuardDuty, Security Hub,
Config and Access Analyzer are regional, so each region with resources needs its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from pcizone.policy import aws_types as t
from pcizone.policy import values
from pcizone.policy.rules.s3 import PUBLIC_ACCESS_FLAGS
from pcizone.policy.rules.select import whole_stack_policy
from pcizone.policy.spec import Level, Severity, StackKind
from pcizone.policy.views import Context, Resource, Stack

UNSTATED_REGION = "(the provider's default region)"


def region_of(resource: Resource) -> str:
    return values.as_str(resource.provider_props.get("region")) or UNSTATED_REGION


def stack_regions(stack: Stack) -> list[str]:
    """Every region the stack declares an AWS provider for or creates an AWS resource in."""
    regions = {region_of(r) for r in stack.resources if r.type.startswith("aws:")}
    for provider in stack.of_type(t.AWS_PROVIDER):
        regions.add(values.as_str(provider.props.get("region")) or UNSTATED_REGION)
    return sorted(regions)


def regions_without(stack: Stack, found: Callable[[Resource], bool], *types: str) -> list[str]:
    """The stack's regions with no resource of `types` for which `found` holds."""
    covered = {region_of(r) for r in stack.of_type(*types) if found(r)}
    return [region for region in stack_regions(stack) if region not in covered]


def _exists(_r: Resource) -> bool:
    return True


def _true(prop: str) -> Callable[[Resource], bool]:
    """Holds for a resource whose boolean `prop` is true."""
    return lambda r: values.as_bool(r.props.get(prop)) is True


@whole_stack_policy(
    "pci-account-s3-public-access-block",
    "Stage accounts block public access to S3 account-wide.",
    requirements=("1.3.1", "1.4.4", "7.2.1"),
    severity=Severity.CRITICAL,
    enforcement=Level.MANDATORY,
    kinds=(StackKind.STAGE,),
    remediation="Add an aws.s3.AccountPublicAccessBlock with all four flags True.",
)
def account_s3_public_access_block(_s: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    blocks = stack.of_type(t.S3_ACCOUNT_PUBLIC_ACCESS_BLOCK)
    for block in blocks:
        if all(values.as_bool(block.props.get(flag)) is True for flag in PUBLIC_ACCESS_FLAGS):
            return
    yield "no AccountPublicAccessBlock with all four flags true"


@whole_stack_policy(
    "pci-account-ebs-encryption",
    "Stage accounts encrypt every new EBS volume by default, in every region used.",
    requirements=("3.5.1",),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    locked=True,
    kinds=(StackKind.STAGE,),
    remediation="Add an aws.ebs.EncryptionByDefault(enabled=True) per region.",
)
def account_ebs_encryption(_s: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    for region in regions_without(stack, _true("enabled"), t.EBS_ENCRYPTION_BY_DEFAULT):
        yield f"EBS encryption by default is not enabled in {region}"


@whole_stack_policy(
    "pci-account-guardduty",
    "Stage accounts run an enabled GuardDuty detector in every region used.",
    requirements=("11.5.1", "11.5.1.1", "10.4.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    kinds=(StackKind.STAGE,),
    remediation="Add an aws.guardduty.Detector(enable=True) per region.",
)
def account_guardduty(_s: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    for region in regions_without(stack, _true("enable"), t.GUARDDUTY_DETECTOR):
        yield f"no enabled GuardDuty detector in {region}"


def _is_pci_standard(r: Resource) -> bool:
    arn = values.as_str(r.props.get("standardsArn")) or ""
    return "/pci-dss/" in arn


@whole_stack_policy(
    "pci-account-securityhub-pci",
    "Stage accounts enable Security Hub with the PCI DSS standard in every region used.",
    requirements=("10.4.1", "10.4.2", "10.7.1", "A3.3.1"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    kinds=(StackKind.STAGE,),
    remediation=(
        "Add an aws.securityhub.Account and a StandardsSubscription to "
        "arn:aws:securityhub:<region>::standards/pci-dss/v/4.0.1 per region."
    ),
)
def account_securityhub_pci(_s: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    for region in regions_without(stack, _exists, t.SECURITYHUB_ACCOUNT):
        yield f"Security Hub is not enabled in {region}"
    for region in regions_without(stack, _is_pci_standard, t.SECURITYHUB_STANDARDS):
        yield f"no subscription to the PCI DSS standard in {region}"


@whole_stack_policy(
    "pci-account-config",
    "Stage accounts record every supported resource with AWS Config in every region used.",
    requirements=("10.2.1", "11.5.2"),
    severity=Severity.HIGH,
    enforcement=Level.MANDATORY,
    kinds=(StackKind.STAGE,),
    remediation=(
        "Add an aws.cfg.Recorder (recording_group all_supported=True), a DeliveryChannel and "
        "a RecorderStatus(is_enabled=True) per region."
    ),
)
def account_config(_s: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    def records_all(r: Resource) -> bool:
        return values.as_bool(values.get(r.props.get("recordingGroup"), "allSupported")) is True

    for region in regions_without(stack, records_all, t.CONFIG_RECORDER):
        yield f"no Config recorder recording all supported resources in {region}"
    for region in regions_without(stack, _exists, t.CONFIG_DELIVERY_CHANNEL):
        yield f"no Config delivery channel in {region}"
    for region in regions_without(stack, _true("isEnabled"), t.CONFIG_RECORDER_STATUS):
        yield f"no enabled Config recorder status in {region}"


@whole_stack_policy(
    "pci-account-access-analyzer",
    "Stage accounts run IAM Access Analyzer in every region used.",
    requirements=("7.2.1", "7.2.5"),
    severity=Severity.MEDIUM,
    enforcement=Level.MANDATORY,
    kinds=(StackKind.STAGE,),
    remediation="Add an aws.accessanalyzer.Analyzer per region.",
)
def account_access_analyzer(_s: Resource, stack: Stack, _ctx: Context) -> Iterator[str]:
    for region in regions_without(stack, _exists, t.ACCESS_ANALYZER):
        yield f"no IAM Access Analyzer in {region}"
