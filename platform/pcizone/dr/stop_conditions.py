"""Limits checked just before the fault: a drill never breaks a system that is already unwell."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StopConditions:
    max_error_rate: float = 0.05  # share of probe attempts that failed during the warm-up
    max_lag_ms: float = 1_000.0  # replication lag of the promotion target
    warmup_acks: int = 20  # commits the probe must make before the fault
    warmup_timeout: float = 30.0

    def violations(self, *, error_rate: float, lag_ms: float | None) -> list[str]:
        found = []
        if error_rate > self.max_error_rate:
            found.append(
                f"probe error rate {error_rate:.1%} is above the limit {self.max_error_rate:.1%}"
            )
        if lag_ms is None:
            found.append("replication lag of the promotion target could not be read")
        elif lag_ms > self.max_lag_ms:
            found.append(
                f"replication lag {lag_ms:.0f} ms is above the limit {self.max_lag_ms:.0f} ms"
            )
        return found
