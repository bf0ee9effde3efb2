"""The context object a Python Lambda handler receives as its second argument."""

from __future__ import annotations

import os
import time


class LambdaContext:
    """The attributes and method of AWS's Python `LambdaContext` that handlers use.

    Values come from the environment variables Lambda sets and from the request; the deadline
    is the invocation's start plus the function's timeout, in epoch milliseconds.
    """

    def __init__(self, request_id: str, deadline_ms: int, invoked_function_arn: str) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        # A string in AWS's runtime as well.
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self.identity: object = None
        self.client_context: object = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))

    def __repr__(self) -> str:
        return (
            f"LambdaContext(function_name={self.function_name!r},"
            f" aws_request_id={self.aws_request_id!r})"
        )
