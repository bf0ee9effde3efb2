"""The local cloud: everything `pcizone up --local` runs on one machine without AWS.

- `emulator`, `emulator_snapshot`, `moto_extensions`, `aws_access`: the AWS emulator (moto on
  loopback), saved between runs, and boto3 clients acting in each account.
- `postgres`, `postgres_standin`: real PostgreSQL servers; one stands in for Aurora.
- `deploy`: the real Pulumi program, run under SDK mocks that create each resource in the
  emulator (one handler per type), with a deploy state per stack.
- `local_cloud`, `orchestrator`, `summary`: the `up` flow and what it prints; `teardown`: `down`.
- `runtime`, `scenario`: the Lambda runtime (SQS pollers, HTTP API) and the demo payments.
"""
