"""Runs the requested drills one after another and writes one evidence report per drill."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from pcizone.dr import provenance, report
from pcizone.dr.clock import Clock
from pcizone.dr.ledger_port import LedgerDigest
from pcizone.dr.results import ScenarioResult
from pcizone.dr.targets import (
    SCENARIOS,
    DrillTargets,
    check_prod_allowed,
    load_drill_targets,
)
from pcizone.dr.timeline import Timeline
from pcizone.errors import UserError


class Drill(Protocol):
    def run(self) -> ScenarioResult: ...


@dataclass(frozen=True)
class DrillOptions:
    stack: str
    scenario: str  # one of SCENARIOS, or "all"
    local: bool
    report_dir: Path
    i_understand_prod: bool = False
    repo_root: Path | None = None
    template: Path | None = None  # a stopped data directory to copy (tests, benchmarks)
    server_settings: dict[str, str | int | bool] = field(default_factory=dict)


@dataclass(frozen=True)
class DrillOutcome:
    result: ScenarioResult
    json_path: Path
    md_path: Path


def scenarios_of(name: str) -> tuple[str, ...]:
    if name == "all":
        return SCENARIOS
    if name not in SCENARIOS:
        raise UserError(f"unknown scenario {name!r}: use one of {', '.join(SCENARIOS)} or all")
    return (name,)


def run_drills(
    options: DrillOptions,
    echo: Callable[[str], None] = lambda _line: None,
    on_report: Callable[[DrillOutcome], None] = lambda _outcome: None,
) -> list[DrillOutcome]:
    names = scenarios_of(options.scenario)
    targets = load_drill_targets(options.stack, options.repo_root)
    check_prod_allowed(options.stack, targets, options.i_understand_prod)
    who = provenance.collect(options.stack, options.repo_root)
    with _template_for(options) as template:
        return _run_all(replace(options, template=template), names, targets, who, echo, on_report)


def _run_all(
    options: DrillOptions,
    names: tuple[str, ...],
    targets: DrillTargets,
    who: provenance.Provenance,
    echo: Callable[[str], None],
    on_report: Callable[[DrillOutcome], None],
) -> list[DrillOutcome]:
    outcomes: list[DrillOutcome] = []
    for name in names:
        timeline = Timeline(Clock(), echo)
        drill = (_local if options.local else _aws)(name, options, targets, timeline)
        result = drill.run()
        built = report.build(result, who)
        json_path, md_path = report.write(built, options.report_dir)
        outcome = DrillOutcome(result, json_path, md_path)
        outcomes.append(outcome)
        on_report(outcome)
        if result.interrupted:
            break  # the operator asked to stop: later scenarios do not start
    return outcomes


@contextmanager
def _template_for(options: DrillOptions) -> Iterator[Path | None]:
    """One initdb per run, copied for every node after that; removed when the run ends.

    Kept under the system temp directory (which the postgres user can reach), not in the work
    tree, whose parent folders it may not be allowed to traverse.
    """
    if not options.local or options.template is not None:
        yield options.template
        return
    from pcizone.local.postgres import ensure_template, pg_temp_dir

    cache = pg_temp_dir("pcizone-drill-template-")
    try:
        yield ensure_template(cache)
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def _local(name: str, options: DrillOptions, targets: DrillTargets, tl: Timeline) -> Drill:
    from pcizone.dr.payments_ledger import PaymentsLedger

    scenario_targets = targets.for_scenario(name)
    if name in ("db-switchover", "db-failover"):
        from pcizone.dr.local_db_drill import LocalDbDrill

        return LocalDbDrill(
            name,
            PaymentsLedger(),
            scenario_targets,
            tl,
            template=options.template,
            server_settings=dict(options.server_settings),
        )
    if name == "restore":
        from pcizone.dr.local_restore_drill import LocalRestoreDrill

        return LocalRestoreDrill(
            PaymentsLedger(),
            scenario_targets,
            tl,
            template=options.template,
            server_settings=dict(options.server_settings),
        )
    from pcizone.dr.queue_drill import LocalQueueDrill

    return LocalQueueDrill(
        scenario_targets,
        tl,
        max_receive_count=targets.max_receive_count,
        template=options.template,
        server_settings=dict(options.server_settings),
    )


def _aws(name: str, options: DrillOptions, targets: DrillTargets, tl: Timeline) -> Drill:
    from pcizone.dr import aws_wiring
    from pcizone.dr.aws_db_drill import AwsDbDrill, RegionLag
    from pcizone.dr.aws_global import GlobalClusterDriver, region_of
    from pcizone.dr.aws_restore import AwsRestoreDrill
    from pcizone.dr.endpoint import WriterEndpoint
    from pcizone.dr.payments_ledger import PaymentsLedger
    from pcizone.dr.probe import WorkloadProbe, new_run_id

    stack = aws_wiring.resolve(options.stack, options.repo_root)
    ledger = PaymentsLedger()
    run_id = new_run_id()
    scenario_targets = targets.for_scenario(name)

    def conninfo_for(arn: str) -> str:
        return aws_wiring.conninfo_for_host(aws_wiring.cluster_endpoint(arn, region_of(arn)))

    def stored_at(conninfo: str) -> dict[str, int]:
        import psycopg

        with psycopg.connect(conninfo, autocommit=True) as conn:
            return ledger.stored(conn, run_id)

    if name == "queue":
        raise UserError(
            "the queue drill runs with --local only: it injects poison messages, which must"
            " never be sent to a real payments queue"
        )
    if name == "restore":

        def digest_at(host: str, copy: LedgerDigest | None) -> LedgerDigest:
            import psycopg

            with psycopg.connect(aws_wiring.conninfo_for_host(host), autocommit=True) as conn:
                return ledger.digest(conn, None if copy is None else dict(copy.marks))

        return AwsRestoreDrill(
            aws_wiring.rds_client(stack.home_region),
            stack.primary_cluster_id,
            run_id,
            digest_at,
            scenario_targets,
            tl,
        )
    if stack.dr_region is None:
        raise UserError(
            f"stacks/Pulumi.{options.stack}.yaml: pcizone:dr.region is not set, so there is no"
            " global database to fail over; run the database drills with --local"
        )
    driver = GlobalClusterDriver(aws_wiring.rds_client(stack.dr_region), stack.global_cluster_id)
    probe = WorkloadProbe(WriterEndpoint("unset", ""), ledger.commit, run_id=run_id, clock=tl.clock)
    primary_conninfo: dict[str, str] = {}

    def read_lag() -> list[RegionLag]:
        topo = driver.describe()
        writer = topo.writer or ""
        conninfo = primary_conninfo.setdefault(writer, conninfo_for(writer))
        return [
            RegionLag(r, rpo, dur) for r, rpo, dur in aws_wiring.read_global_db_status(conninfo)
        ]

    return AwsDbDrill(
        scenario=name,
        driver=driver,
        probe=probe,
        dr_region=stack.dr_region,
        read_lag=read_lag,
        conninfo_for=conninfo_for,
        stored_keys=stored_at,
        targets=scenario_targets,
        timeline=tl,
    )
