"""The local cloud of one repository: PostgreSQL, the AWS emulator and the deploy state.

`LocalCloud` starts PostgreSQL and the emulator, restores what the previous run left (the
emulator snapshot and the deploy states must belong together, see below), deploys stacks, runs
functions for deploy-time invocations, and on `stop()` saves everything and stops every
process it started. One run at a time: a lock file refuses a second `up` in the same folder.

Consistency: each run has a generation token. Deploy states are saved with it and the emulator
snapshot is saved with it at the end. A state whose generation differs from the restored
snapshot's describes resources the emulator does not hold (an interrupted run, a deleted
file): then the whole local cloud starts empty rather than half-trusted.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pcizone.local import emulator_snapshot
from pcizone.local.aws_access import AwsAccess
from pcizone.local.deploy.deployer import DeployResult, DeployTarget, deploy_stack
from pcizone.local.deploy.mocks import DeployedResource
from pcizone.local.deploy.registry import FunctionBuilder
from pcizone.local.deploy.services import LocalServices
from pcizone.local.deploy.state import StackState, StateError, saved_generation
from pcizone.local.emulator import Emulator, EmulatorEndpoint, port_is_free
from pcizone.local.lock import LocalCloudLock
from pcizone.local.paths import LocalPaths
from pcizone.local.postgres import PostgresServer
from pcizone.local.postgres_standin import PostgresStandIn
from pcizone.local.teardown import stop_leftover_postgres

Progress = Callable[[str], None]


class FunctionFailed(RuntimeError):
    """A deploy-time invocation failed; the deploy reports it with the resource."""


class LocalCloud:
    def __init__(
        self,
        paths: LocalPaths,
        *,
        repo_root: Path,
        region: str,
        progress: Progress | None = None,
    ) -> None:
        self.paths = paths
        self.repo_root = repo_root
        self.region = region
        self.progress: Progress = progress or (lambda _message: None)
        self.notes: list[str] = []  # for the summary: what was restored, reset or substituted
        self.generation = secrets.token_hex(8)
        self.previous_generation: str | None = None
        self._lock = LocalCloudLock(paths.root)
        self._postgres: PostgresServer | None = None
        self._emulator: Emulator | None = None
        self._aws: AwsAccess | None = None
        self._standin: PostgresStandIn | None = None
        self._services: LocalServices | None = None

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop(save=False)
            raise

    def _start(self) -> None:
        self.paths.ensure()
        self._lock.acquire()
        leftover = stop_leftover_postgres(self.paths.postgres / "data")
        if leftover is not None:
            self.notes.append(
                f"stopped PostgreSQL (pid {leftover}) left running by an interrupted run"
            )
        ports = self.paths.preferred_ports()
        self.progress("starting PostgreSQL (the stand-in for Aurora)")
        self._postgres = _start_postgres(self.paths, ports.get("postgres"))
        self.progress("starting the AWS emulator")
        self._emulator = Emulator(
            self.region,
            preferred_port=ports.get("emulator"),
            log_path=self.paths.logs / "emulator.log",
        )
        self._emulator.start()
        self.previous_generation = self._restore()
        endpoint = self._emulator.endpoint  # after _restore: a reset restarts the emulator
        self.paths.remember_ports({"postgres": self._postgres.port, "emulator": endpoint.port})
        self._aws = AwsAccess(endpoint)
        self._standin = PostgresStandIn(self._postgres)
        self._services = LocalServices(standin=self._standin, run_function=self._run_function)

    def stop(self, *, save: bool = True) -> None:
        """Stop the emulator, save the local cloud, stop PostgreSQL; safe to call twice."""
        emulator, self._emulator = self._emulator, None
        postgres, self._postgres = self._postgres, None
        try:
            if emulator is not None:
                emulator.stop()
                if save:
                    self._save()
                emulator.clear()
        finally:
            try:
                if postgres is not None:
                    postgres.stop()
            finally:
                self._lock.release()

    def __enter__(self) -> LocalCloud:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what it offers --------------------------------------------------------------------
    @property
    def endpoint(self) -> EmulatorEndpoint:
        return self.aws.endpoint

    @property
    def aws(self) -> AwsAccess:
        if self._aws is None:
            raise RuntimeError("the local cloud is not running")
        return self._aws

    @property
    def standin(self) -> PostgresStandIn:
        if self._standin is None:
            raise RuntimeError("the local cloud is not running")
        return self._standin

    @property
    def services(self) -> LocalServices:
        if self._services is None:
            raise RuntimeError("the local cloud is not running")
        return self._services

    @property
    def postgres(self) -> PostgresServer:
        if self._postgres is None:
            raise RuntimeError("the local cloud is not running")
        return self._postgres

    def function_builder(self) -> FunctionBuilder:
        return FunctionBuilder(
            project_dir=self.repo_root, code_root=self.paths.functions, standin=self.standin
        )

    def target(self) -> DeployTarget:
        """What a deploy into this local cloud needs (see `pcizone.local.deploy.deployer`)."""
        return DeployTarget(
            repo_root=self.repo_root,
            aws=self.aws,
            services=self.services,
            generation=self.generation,
            previous_generation=self.previous_generation,
            hash_key=self.paths.hash_key(),
        )

    def deploy(self, stack: str, stack_outputs: Mapping[str, dict[str, Any]]) -> DeployResult:
        return deploy_stack(
            stack,
            self.target(),
            state_path=self.paths.stack_state(stack),
            stack_outputs=dict(stack_outputs),
        )

    # -- deploy-time function runs (aws.lambda_.Invocation) ---------------------------------
    def _run_function(
        self, resource: DeployedResource, payload: Mapping[str, Any]
    ) -> dict[str, Any]:
        from pcizone.local.runtime import LocalRuntime

        spec = self.function_builder().spec(resource)
        self.progress(f"running {spec.name} (deploy-time invocation)")
        runtime = LocalRuntime(self.endpoint, [spec], [], [], self.paths.logs)
        runtime.start()
        try:
            response = runtime.invoke(spec.name, dict(payload))
        finally:
            runtime.stop(drain=True)
        answer = response.get("Payload")
        if response.get("FunctionError"):
            error = answer if isinstance(answer, dict) else {}
            raise FunctionFailed(
                f"function {spec.name} failed: {error.get('errorType', 'Error')}:"
                f" {error.get('errorMessage', '')} (log: {self.paths.logs / (spec.name + '.log')})"
            )
        return answer if isinstance(answer, dict) else {"result": answer}

    # -- saving and restoring ----------------------------------------------------------------
    def _restore(self) -> str | None:
        snapshot = self.paths.emulator_snapshot
        previous: str | None = None
        if snapshot.exists():
            self.progress("restoring the local cloud saved by the last run")
            try:
                previous = emulator_snapshot.restore(snapshot).generation
            except emulator_snapshot.SnapshotError as exc:
                self.notes.append(f"{exc}; starting an empty local cloud")
        states = list(self.paths.stacks.glob("*.json"))
        generations = {saved_generation(path) for path in states}
        unreadable = _unreadable_states(states, generations)
        consistent = (
            not unreadable and generations <= {previous} and (previous is None or bool(states))
        )
        if not consistent:
            if unreadable:
                self.notes.append(
                    f"deploy state {unreadable} cannot be read (a damaged file?):"
                    " starting an empty local cloud"
                )
            elif previous is not None:
                self.notes.append(
                    "the saved emulator and deploy state did not belong together (an interrupted"
                    " run?): starting an empty local cloud"
                )
            elif states:
                self.notes.append("no saved emulator for the deploy state: starting empty")
            self._reset()
            previous = None
        return previous

    def _reset(self) -> None:
        assert self._emulator is not None
        # Back on the same port if it is still free (the ports file and URLs stay right).
        self._emulator.preferred_port = self._emulator.endpoint.port
        self._emulator.stop()
        self._emulator.start()  # start() empties every backend
        for path in self.paths.stacks.glob("*.json"):
            path.unlink()
        self.paths.emulator_snapshot.unlink(missing_ok=True)

    def _save(self) -> None:
        try:
            emulator_snapshot.save(self.paths.emulator_snapshot, self.generation)
        except emulator_snapshot.SnapshotError as exc:
            # Without the emulator the states describe nothing: the next run starts empty.
            self.notes.append(f"{exc}; the next run starts an empty local cloud")
            for path in self.paths.stacks.glob("*.json"):
                path.unlink()
            self.paths.emulator_snapshot.unlink(missing_ok=True)
            return
        # Stacks not deployed in this run are in the snapshot too: they belong to it now.
        for path in self.paths.stacks.glob("*.json"):
            if saved_generation(path) == self.previous_generation:
                state = StackState.load(path, path.stem, self.previous_generation)
                state.generation = self.generation
                state.save(path)


def _unreadable_states(states: list[Path], generations: set[str | None]) -> str | None:
    """The name of the first deploy state file that cannot be trusted as a state, if any."""
    for path in sorted(states):
        try:
            StackState.load(path, path.stem, *generations)
        except StateError:
            return f"stacks/{path.name}"
    # A file without a generation: cut short, emptied, or not a state at all.
    return next((f"stacks/{p.name}" for p in sorted(states) if not saved_generation(p)), None)


def _start_postgres(paths: LocalPaths, preferred_port: int | None) -> PostgresServer:
    port = preferred_port if preferred_port and port_is_free(preferred_port) else None
    server = PostgresServer(paths.postgres / "data", port=port)
    if not server.is_initialized:
        server.init()
    server.start()
    return server
