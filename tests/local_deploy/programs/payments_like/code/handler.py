"""A function the local runtime can run: it answers with what it was sent."""


def handler(event: dict[str, object], context: object) -> dict[str, object]:
    return {"echo": event}
