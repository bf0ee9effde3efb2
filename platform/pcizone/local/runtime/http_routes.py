"""HTTP API route selection: which route (and function) a request's method and path reach.

API Gateway picks the most specific match: an exact method before `ANY`, literal segments
before `{parameters}`, a greedy `{name+}` last, and `$default` only when nothing else matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote

from pcizone.local.runtime.specs import HttpRouteSpec

DEFAULT_ROUTE = "$default"


@dataclass(frozen=True)
class RouteMatch:
    route_key: str
    function_name: str
    path_parameters: dict[str, str]


def path_segments(path: str) -> list[str]:
    return [] if path in {"", "/"} else path[1:].split("/")


@dataclass(frozen=True)
class _Route:
    spec: HttpRouteSpec
    method: str
    segments: tuple[str, ...]

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")

    def specificity(self) -> tuple[int, int, tuple[int, ...], int]:
        """Sort key, lower first: greedy last, fewer parameters, literals leftmost, ANY last."""
        flags = tuple(int(s.startswith("{")) for s in self.segments)
        return (int(self.greedy), sum(flags), flags, int(self.method == "ANY"))

    def match(self, method: str, segments: Sequence[str]) -> dict[str, str] | None:
        if self.method not in {"ANY", method}:
            return None
        fixed = self.segments[:-1] if self.greedy else self.segments
        if self.greedy:
            if len(segments) <= len(fixed):
                return None
        elif len(segments) != len(fixed):
            return None
        parameters: dict[str, str] = {}
        for pattern, value in zip(fixed, segments, strict=False):
            if pattern.startswith("{"):
                if not value:
                    return None
                parameters[pattern[1:-1]] = unquote(value)
            elif pattern != value:
                return None
        if self.greedy:
            rest = "/".join(segments[len(fixed) :])
            if not rest:
                return None
            parameters[self.segments[-1][1:-2]] = unquote(rest)
        return parameters


class RouteTable:
    def __init__(self, routes: Sequence[HttpRouteSpec]) -> None:
        self._default: HttpRouteSpec | None = None
        parsed: list[_Route] = []
        for spec in routes:
            if spec.route_key == DEFAULT_ROUTE:
                self._default = spec
                continue
            method, _space, path = spec.route_key.partition(" ")
            parsed.append(_Route(spec, method, tuple(path_segments(path))))
        self._routes = sorted(parsed, key=_Route.specificity)

    def match(self, method: str, path: str) -> RouteMatch | None:
        segments = path_segments(path)
        for route in self._routes:
            parameters = route.match(method.upper(), segments)
            if parameters is not None:
                return RouteMatch(route.spec.route_key, route.spec.function_name, parameters)
        if self._default is not None:
            return RouteMatch(DEFAULT_ROUTE, self._default.function_name, {})
        return None
