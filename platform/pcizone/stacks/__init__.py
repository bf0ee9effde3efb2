"""One builder per stack kind; each composes the concerns' components."""
