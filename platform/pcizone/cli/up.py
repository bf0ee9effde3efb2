"""`pcizone up --stack S --local [--serve]`: the local cloud, end to end (see pcizone.local)."""

from __future__ import annotations

import argparse
import signal
import threading
import traceback
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from pcizone.cli.console import console, error_console
from pcizone.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UserError
from pcizone.local.paths import LocalPaths

EXIT_INTERRUPTED = 130

if TYPE_CHECKING:
    from pcizone.local.orchestrator import UpReport
    from pcizone.local.runtime import LocalRuntime


def register(sub: Any) -> None:
    parser = sub.add_parser(
        "up",
        help="deploy a stack into the local cloud and push payments through it",
        description="Deploy STACK (and the stacks it reads) into an embedded AWS emulator and"
        " PostgreSQL, run its functions locally and push demo payments through them."
        " Exits 0 only if every expectation held.",
    )
    parser.add_argument("--stack", required=True, help="stack name, e.g. dev-alice")
    parser.add_argument(
        "--local", action="store_true", help="deploy into the local cloud (required)"
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="keep the API and workers running until Ctrl-C, then drain and stop",
    )
    parser.add_argument(
        "--payments", type=_positive, metavar="N", help="payments in the demo scenario"
    )
    parser.add_argument(
        "--state-dir", type=Path, metavar="DIR", help="local cloud state (default .state/local)"
    )
    parser.set_defaults(func=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def run(args: argparse.Namespace) -> int:
    if not args.local:
        raise UserError(
            "pcizone up deploys only into the local cloud (--local); deploy to AWS with"
            " `pulumi up --stack " + args.stack + "`",
            EXIT_USAGE,
        )
    from pcizone.config.loader import find_repo_root
    from pcizone.local.orchestrator import UpRequest, run_up
    from pcizone.local.progress import ConsoleProgress
    from pcizone.local.summary import print_summary
    from pcizone.local.teardown import refuse_foreign_folder

    if args.state_dir is not None:
        refuse_foreign_folder(LocalPaths(args.state_dir))
    request = UpRequest(
        stack=args.stack,
        repo_root=find_repo_root(),
        state_dir=args.state_dir,
        payments=args.payments,
        serve=_serve if args.serve else None,
    )
    with ConsoleProgress(error_console()) as progress:
        try:
            report = run_up(request, progress)
        except UserError:
            raise
        except KeyboardInterrupt:
            # run_up stopped every process and saved what was deployed on the way out.
            raise UserError(
                "interrupted: the local cloud was stopped and saved; run the same command"
                " again to carry on",
                EXIT_INTERRUPTED,
            ) from None
        except Exception as exc:
            # Everything was stopped on the way out; keep the details for whoever debugs it.
            raise _unexpected(
                exc, request.state_dir or LocalPaths.for_repo(request.repo_root).root
            ) from exc
    if not args.serve:  # --serve printed it before serving
        print_summary(report, console())
    return EXIT_OK if report.expectations_held else EXIT_FAILED


def _unexpected(exc: Exception, state_dir: Path) -> UserError:
    log = LocalPaths(state_dir).logs / "pcizone-up-error.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("".join(traceback.format_exception(exc)))
    return UserError(
        f"the local cloud failed unexpectedly: {type(exc).__name__}: {exc} (traceback in {log})",
        EXIT_FAILED,
    )


def _serve(report: UpReport, runtime: LocalRuntime) -> None:
    """Print the summary, then block until Ctrl-C or SIGTERM; the caller then drains and stops
    everything."""
    from pcizone.local.summary import print_summary

    print_summary(report, console())
    stopped = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stopped.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        console().print(
            f"[bold]serving[/] the payments API at {runtime.api_url}"
            " (Ctrl-C stops: requests in flight finish, queued messages stay queued)"
        )
        stopped.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    error_console().print("stopping: draining the API and the workers")
