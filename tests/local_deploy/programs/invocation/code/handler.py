"""Functions the deploy invokes (an `aws.lambda_.Invocation`): one answers, one fails."""


def answer(event: dict[str, int], context: object) -> dict[str, int]:
    return {"answer": event["question"] + 1}


def fail(event: dict[str, int], context: object) -> dict[str, int]:
    raise ValueError("the migration could not be applied")
