"""Lambda entry point of the outbox relay (an EventBridge schedule, e.g. every minute).

Re-sends queue messages whose payment committed but whose send failed (see payments.outbox).
"""

from __future__ import annotations

from typing import Any


def handler(event: Any, context: Any) -> dict[str, int]:
    from payments import outbox
    from payments.app import current

    app = current("outbox_relay")
    with app.db.session() as conn:
        report = outbox.relay_pending(conn, app.sender, limit=500)
    app.log.info("outbox_relayed", sent=len(report.sent), failed=len(report.failed))
    return {"sent": len(report.sent), "failed": len(report.failed)}
