"""A payments API client that behaves like a careful real one, with latencies recorded.

It retries connection failures, 5xx answers and 409 "in flight" answers with the same
Idempotency-Key and body, backing off; it never invents a new key for the same payment.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass
from urllib.parse import urlsplit

RETRIES = 12
_TIMEOUT_SECONDS = 35.0


@dataclass(frozen=True)
class Outcome:
    """The final answer to one payment request (after the client's own retries)."""

    key: str
    reference: str
    status: int  # 0: no answer at all
    payment_id: str | None
    attempts: int
    latency_ms: float
    replayed: bool


class ApiClient:
    def __init__(self, api_url: str) -> None:
        parts = urlsplit(api_url)
        if parts.hostname is None or parts.port is None:
            raise ValueError(f"API address {api_url!r} has no host and port")
        self.host, self.port = parts.hostname, parts.port
        self._local = threading.local()
        self._opened: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            opened, self._opened = self._opened, []
        for connection in opened:
            connection.close()

    def create(self, key: str, reference: str, body: bytes, *, retries: int = RETRIES) -> Outcome:
        started = time.perf_counter()
        status, answer, attempt, replayed = 0, b"", 0, False
        for attempt in range(1, retries + 1):
            try:
                status, headers, answer = self._post(body, key)
            except (OSError, http.client.HTTPException):
                status, headers, answer = 0, {}, b""
            replayed = headers.get("idempotent-replayed") == "true"
            if status and status < 500 and status != 409:
                break
            if status == 409 and b"idempotency_key_in_use" not in answer:
                break  # reused with another body: retrying cannot help
            time.sleep(min(2.0, 0.05 * 2**attempt))
        payment_id = None
        if status == 201:
            document = json.loads(answer)
            payment_id = document.get("id") if isinstance(document, dict) else None
        return Outcome(
            key,
            reference,
            status,
            payment_id,
            attempt,
            (time.perf_counter() - started) * 1000,
            replayed,
        )

    def _post(self, body: bytes, key: str) -> tuple[int, dict[str, str], bytes]:
        headers = {"content-type": "application/json", "idempotency-key": key}
        for fresh in (False, True):
            connection = self._connection(fresh)
            try:
                connection.request("POST", "/payments", body=body, headers=headers)
                response = connection.getresponse()
                return (
                    response.status,
                    {k.lower(): v for k, v in response.getheaders()},
                    response.read(),
                )
            except (ConnectionError, http.client.HTTPException):
                connection.close()
                if fresh:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _connection(self, fresh: bool) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if connection is None or fresh:
            connection = http.client.HTTPConnection(self.host, self.port, timeout=_TIMEOUT_SECONDS)
            self._local.conn = connection
            with self._lock:
                self._opened.append(connection)
        return connection


def payment_body(reference: str, amount_minor: int, currency: str, method: str) -> bytes:
    document = {
        "amount_minor": amount_minor,
        "currency": currency,
        "merchant_reference": reference,
        "customer_reference": "chaos-customer",
        "payment_method": method,
    }
    return json.dumps(document, separators=(",", ":")).encode()


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (0 for no values)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def paced_load(
    api_url: str, run_id: str, rate: float, seconds: float, concurrency: int
) -> tuple[list[Outcome], float]:
    """`rate` requests/s for `seconds`, open loop (a slow answer does not slow the sender);
    each request is sent once. Returns the outcomes and the seconds until the last answer.

    Run through `load_in_process` by the load run: the load generator must not share an
    interpreter lock with the runtime it measures."""
    from concurrent.futures import ThreadPoolExecutor

    client = ApiClient(api_url)
    total = int(rate * seconds)
    try:
        with ThreadPoolExecutor(concurrency) as pool:
            start = time.monotonic()
            futures = []
            for i in range(total):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                reference = f"load-{run_id}-{i}"
                body = payment_body(reference, 100 + i % 997, "EUR", "pm_card_visa")
                key = f"key-{run_id}-{i}"
                futures.append(pool.submit(client.create, key, reference, body, retries=1))
            outcomes = [f.result() for f in futures]
            return outcomes, time.monotonic() - start
    finally:
        client.close()


def load_in_process(
    api_url: str, run_id: str, rate: float, seconds: float, concurrency: int
) -> tuple[list[Outcome], float]:
    """`paced_load` in a Python process of its own (`python -m pcizone.local.chaos.client`)."""
    argv = [sys.executable, "-m", "pcizone.local.chaos.client", api_url, run_id]
    argv += [str(rate), str(seconds), str(concurrency)]
    done = subprocess.run(
        argv, capture_output=True, check=False, timeout=seconds + 2 * _TIMEOUT_SECONDS + 60
    )
    if done.returncode != 0:
        tail = done.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"the load generator failed: {' '.join(tail) or done.returncode}")
    document = json.loads(done.stdout)
    return [Outcome(**o) for o in document["outcomes"]], float(document["elapsed"])


def _main(argv: list[str]) -> int:
    api_url, run_id, rate, seconds, concurrency = argv
    outcomes, elapsed = paced_load(api_url, run_id, float(rate), float(seconds), int(concurrency))
    json.dump({"outcomes": [asdict(o) for o in outcomes], "elapsed": elapsed}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
