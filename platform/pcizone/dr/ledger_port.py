"""What the drills need from the payments ledger, so scenarios do not depend on its internals."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from pcizone.dr.probe import ProbePayment
from pcizone.local.postgres import PostgresServer


@dataclass(frozen=True)
class LedgerDigest:
    """Row counts and checksums of the ledger tables up to a high-water mark.

    `marks` is each table's newest ordering key in this copy: a copy taken while payments kept
    coming is compared with its source filtered to the copy's marks.
    """

    rows: Mapping[str, int]  # table -> row count
    checksums: Mapping[str, str]  # table -> md5 of its rows in key order
    marks: Mapping[str, str | None]  # table -> newest ordering key (None: empty table)

    def differences(self, other: LedgerDigest) -> list[str]:
        found: list[str] = []
        for table in sorted(set(self.rows) | set(other.rows)):
            mine, theirs = self.rows.get(table), other.rows.get(table)
            if mine != theirs:
                found.append(f"{table}: {mine} rows here, {theirs} in the other copy")
            elif self.checksums.get(table) != other.checksums.get(table):
                found.append(f"{table}: same row count, different checksum")
        return found


class Ledger(Protocol):
    """The payments database as the drills use it, through the service's own code."""

    def prepare(self, server: PostgresServer) -> None:
        """Create the application's role, database and schema (migrations) on a new server."""

    def conninfo(self, server: PostgresServer) -> str:
        """How the application connects to `server` (its own role, its own database)."""

    def commit(self, conn: psycopg.Connection[Any], payment: ProbePayment) -> None:
        """Write one payment through the ledger code; returns once it is committed."""

    def settle(self, conninfo: str, run_id: str) -> int:
        """Settle the run's pending payments as the worker would; returns how many settled."""

    def stored(self, conn: psycopg.Connection[Any], run_id: str) -> dict[str, int]:
        """Probe key -> number of payments stored under it, for one probe run."""

    def digest(
        self, conn: psycopg.Connection[Any], upto: Mapping[str, str | None] | None = None
    ) -> LedgerDigest:
        """Counts and checksums of the ledger tables, up to `upto` marks when given."""
