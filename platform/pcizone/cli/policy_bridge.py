"""The PCI policy verdict on a recorded run, as printed by preview and validate."""

from __future__ import annotations

from rich.console import Console

from pcizone.errors import EXIT_FAILED, EXIT_OK
from pcizone.offline.model import RecordedRun


def evaluate_and_print(run: RecordedRun, out: Console) -> int:
    from pcizone.policy.evaluate import evaluate_run
    from pcizone.policy.render import print_verdict

    verdict = evaluate_run(run)
    print_verdict(verdict, out)
    return EXIT_FAILED if verdict.mandatory_failures else EXIT_OK
