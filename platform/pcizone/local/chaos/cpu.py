"""CPU time of each part of the local payments path over a window, from /proc (Linux).

The load run divides it by the requests served: milliseconds of CPU per request for the
runtime (this process: HTTP API, pollers), the API and worker environments, the emulator,
PostgreSQL and the load generator, and how much CPU other processes of the machine used
meanwhile (in cores). On N cores, N * 1000 / total is the most the path can serve there.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Callable, Mapping
from dataclasses import dataclass

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def process_seconds(pid: int) -> float | None:
    """utime + stime of one process (all its threads), None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (PostgreSQL's backends, for the postmaster)."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(entry))
    return found


def machine_busy_seconds() -> float | None:
    """CPU seconds all cores spent not idle since boot (the `cpu` line of /proc/stat)."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            values = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = values[3] + (values[4] if len(values) > 4 else 0)  # idle + iowait
    return (sum(values[:8]) - idle) / _TICKS


@dataclass(frozen=True)
class Sample:
    by_group: dict[str, dict[int, float]]
    reaped_children: float  # this process's waited-for children (the load generator)
    machine: float | None


def sample(groups: Mapping[str, Callable[[], list[int]]]) -> Sample:
    """CPU seconds so far of every process of each group, named by the callables' pids."""
    by_group: dict[str, dict[int, float]] = {}
    for name, pids in groups.items():
        seconds = {pid: process_seconds(pid) for pid in pids()}
        by_group[name] = {pid: s for pid, s in seconds.items() if s is not None}
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return Sample(by_group, usage.ru_utime + usage.ru_stime, machine_busy_seconds())


def per_request_ms(
    before: Sample, after: Sample, requests: int, seconds: float
) -> dict[str, float]:
    """CPU milliseconds per request of each group between two samples and their total, and
    the cores that other processes of the machine kept busy meanwhile (over `seconds`)."""
    if requests <= 0 or seconds <= 0:
        return {}
    used: dict[str, float] = {}
    for name, now in after.by_group.items():
        then = before.by_group.get(name, {})
        # A process that started within the window counts whole; one that ended is lost.
        used[name] = sum(cpu - then.get(pid, 0.0) for pid, cpu in now.items())
    used["load_generator"] = after.reaped_children - before.reaped_children
    ours = sum(used.values())
    figures = {name: round(cpu * 1000 / requests, 2) for name, cpu in used.items()}
    figures["total"] = round(ours * 1000 / requests, 2)
    if before.machine is not None and after.machine is not None:
        other = max(0.0, after.machine - before.machine - ours)
        figures["other_processes_cores"] = round(other / seconds, 2)
    return figures
