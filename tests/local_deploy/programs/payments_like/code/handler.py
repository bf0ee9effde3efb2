"""A function the local runtime can run: it answers with what it was sent."""


def handler(event: dict, context: object) -> dict:
    return {"echo": event}
