"""Build `world-110m.json`, the country shapes of the world map, from Natural Earth's 1:110m
Admin 0 countries as the npm package `world-atlas` redistributes them (TopoJSON).

Run once by a developer when the dataset changes, never at run time (the application only reads
the JSON this writes, and needs neither npm nor this script):

    npm pack world-atlas@2.0.2            # in a scratch folder: world-atlas-2.0.2.tgz
    python codemonitor/analysis/data/build_worldmap.py --source world-atlas-2.0.2.tgz

(`--source` also takes the extracted `countries-110m.json`.) What it does:
1. decodes the TopoJSON arcs (quantized, delta-encoded) to longitude and latitude;
2. projects every arc with the Equal Earth projection (Šavrič, Patterson, Jenny 2018), an
   equal-area projection, so that countries are drawn in proportion to their area;
3. simplifies each arc once (Douglas–Peucker, tolerance 0.35 map units on a 1000-unit-wide
   map), so that neighbours keep a common border, and rounds coordinates to 0.1 unit;
4. assembles each country's rings into one SVG path (`M … l … z`, relative moves), keyed by
   the ISO 3166 alpha-3 code of its ISO 3166 numeric id (pycountry) for WHO Member States
   (`reference/data/who-member-states.csv`); other areas go to `other`, drawn as a neutral
   background; Antarctica is left out.
"""

from __future__ import annotations

import argparse
import json
import math
import tarfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pycountry

HERE = Path(__file__).resolve().parent
MEMBER_STATES = HERE.parents[1] / "reference" / "data" / "who-member-states.csv"
OUTPUT = HERE / "world-110m.json"
WIDTH = 1000.0
TOLERANCE = 0.35
# Rings smaller than this (square map units) are left out: specks at this scale.
MIN_AREA = 0.3
ANTARCTICA = "010"
DATASET = "world-atlas 2.0.2 (countries-110m.json): Natural Earth 1:110m Admin 0 countries, v4.1.0"

Point = tuple[float, float]

# Equal Earth's coefficients.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(lon: float, lat: float) -> Point:
    lam, phi = math.radians(lon), math.radians(lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = (
        2
        * math.sqrt(3)
        * lam
        * math.cos(theta)
        / (3 * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    )
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, y


X_MAX = equal_earth(180, 0)[0]
SCALE = WIDTH / (2 * X_MAX)


def to_map(lon: float, lat: float) -> Point:
    x, y = equal_earth(lon, lat)
    return (x + X_MAX) * SCALE, -y * SCALE


def _unwrap(points: list[Point], start: float | None = None) -> list[Point]:
    """Longitudes made continuous (a step across the antimeridian becomes a step of less
    than 180 degrees, beyond ±180): the ring is cut there later."""
    out: list[Point] = []
    for lon, lat in points:
        if out:
            previous = out[-1][0]
            while lon - previous > 180:
                lon -= 360
            while lon - previous < -180:
                lon += 360
        elif start is not None:
            while lon - start > 180:
                lon -= 360
            while lon - start < -180:
                lon += 360
        out.append((lon, lat))
    return out


def decode_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Each arc as (longitude, latitude), longitudes continuous along the arc."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(_unwrap(points))
    return arcs


def _distance(point: Point, start: Point, end: Point) -> float:
    (px, py), (ax, ay), (bx, by) = point, start, end
    dx, dy = bx - ax, by - ay
    if dx == 0 and dy == 0:
        return math.hypot(px - ax, py - ay)
    return abs(dy * px - dx * py + bx * ay - by * ax) / math.hypot(dx, dy)


def simplify(points: Sequence[Point], tolerance: float = TOLERANCE) -> list[Point]:
    """Douglas–Peucker on the projected arc, keeping both ends (shared by the neighbouring
    arc); returns the kept points in longitude and latitude."""
    if len(points) < 3:
        return list(points)
    projected = [to_map(lon, lat) for lon, lat in points]
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        furthest, index = 0.0, -1
        for i in range(first + 1, last):
            distance = _distance(projected[i], projected[first], projected[last])
            if distance > furthest:
                furthest, index = distance, i
        if index >= 0 and furthest > tolerance:
            keep[index] = True
            stack.extend([(first, index), (index, last)])
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def ring_points(ring: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A ring in longitude and latitude, continuous (it may reach beyond ±180)."""
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        arc = _unwrap(arc, points[-1][0] if points else None)
        points.extend(arc if not points else arc[1:])
    return points


def _clip(points: list[Point], limit: float, keep_below: bool) -> list[Point]:
    """Sutherland–Hodgman against the meridian `limit` (keeping lon <= limit or >= limit)."""

    def inside(point: Point) -> bool:
        return point[0] <= limit if keep_below else point[0] >= limit

    out: list[Point] = []
    for i, current in enumerate(points):
        previous = points[i - 1]
        if inside(current):
            if not inside(previous):
                out.append(_crossing(previous, current, limit))
            out.append(current)
        elif inside(previous):
            out.append(_crossing(previous, current, limit))
    return out


def _crossing(a: Point, b: Point, limit: float) -> Point:
    t = (limit - a[0]) / (b[0] - a[0])
    return limit, a[1] + t * (b[1] - a[1])


def _densify_cut(points: list[Point]) -> list[Point]:
    """Points every degree along an edge that follows a cut meridian, so that it is drawn
    as the projection's curved edge."""
    out: list[Point] = []
    for i, (lon, lat) in enumerate(points):
        out.append((lon, lat))
        next_lon, next_lat = points[(i + 1) % len(points)]
        if abs(lon) == 180 and lon == next_lon and abs(next_lat - lat) > 1:
            steps = int(abs(next_lat - lat))
            out.extend((lon, lat + (next_lat - lat) * k / (steps + 1)) for k in range(1, steps + 1))
    return out


def cut_at_antimeridian(ring: list[Point]) -> list[list[Point]]:
    """The ring within -180..180: itself, or its parts on each side of the antimeridian."""
    low, high = min(lon for lon, _ in ring), max(lon for lon, _ in ring)
    if low >= -180 and high <= 180:
        return [ring]
    parts = []
    for offset in (-360.0, 0.0, 360.0):
        moved = [(lon + offset, lat) for lon, lat in ring]
        clipped = _clip(_clip(moved, 180.0, True), -180.0, False)
        if len(clipped) >= 3:
            parts.append(_densify_cut(clipped))
    return parts


def area(points: Sequence[Point]) -> float:
    return abs(
        sum(
            x1 * y2 - x2 * y1
            for (x1, y1), (x2, y2) in zip(points, [*points[1:], points[0]], strict=True)
        )
        / 2
    )


def _number(value: int) -> str:
    """A coordinate in tenths as SVG text: 12.3, -0.5 as -.5, 4.0 as 4."""
    sign = "-" if value < 0 else ""
    whole, tenth = divmod(abs(value), 10)
    if tenth == 0:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{tenth}" if whole else f"{sign}.{tenth}"


def path_of(rings: list[list[Point]]) -> str:
    parts = []
    for ring in rings:
        tenths = [(round(x * 10), round(y * 10)) for x, y in ring]
        deduplicated = [tenths[0]]
        for point in tenths[1:]:
            if point != deduplicated[-1]:
                deduplicated.append(point)
        if deduplicated[-1] == deduplicated[0]:
            deduplicated.pop()
        if len(deduplicated) < 3:
            continue
        (x0, y0), moves = deduplicated[0], []
        previous = deduplicated[0]
        for x, y in deduplicated[1:]:
            dx, dy = x - previous[0], y - previous[1]
            moves.append(_number(dx) + ("" if dy < 0 else " ") + _number(dy))
            previous = (x, y)
        joined = "".join(m if m.startswith("-") else " " + m for m in moves).lstrip()
        parts.append(f"M{_number(x0)} {_number(y0)}l{joined}z")
    return "".join(parts)


def member_states() -> set[str]:
    lines = MEMBER_STATES.read_text(encoding="utf-8").splitlines()[1:]
    return {line.split(",")[0] for line in lines if line.strip()}


def iso3_of(numeric: str) -> str:
    found = pycountry.countries.get(numeric=numeric)
    return str(found.alpha_3) if found is not None else ""


def read_topology(source: Path) -> dict[str, Any]:
    if source.suffix in (".tgz", ".gz"):
        with tarfile.open(source) as archive:
            member = archive.extractfile("package/countries-110m.json")
            if member is None:
                raise SystemExit(f"{source} has no package/countries-110m.json")
            return dict(json.load(member))
    return dict(json.loads(source.read_text(encoding="utf-8")))


def build(topology: dict[str, Any]) -> dict[str, Any]:
    arcs = [simplify(arc) for arc in decode_arcs(topology)]
    members = member_states()
    shapes: list[tuple[str, list[list[Point]]]] = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        numeric = str(geometry.get("id", ""))
        if numeric == ANTARCTICA or geometry.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        rings = [
            [to_map(lon, lat) for lon, lat in part]
            for polygon in polygons
            for ring in polygon
            for part in cut_at_antimeridian(ring_points(ring, arcs))
        ]
        rings = [ring for ring in rings if len(ring) >= 3 and area(ring) >= MIN_AREA]
        if rings:
            shapes.append((iso3_of(numeric) if numeric else "", rings))
    # The drawing starts at y = 0 at its northernmost point.
    ys = [y for _iso3, rings in shapes for ring in rings for _x, y in ring]
    shift = -math.floor(min(ys))
    height = math.ceil(max(ys)) + shift
    countries: dict[str, str] = {}
    other: list[str] = []
    for iso3, rings in shapes:
        d = path_of([[(x, y + shift) for x, y in ring] for ring in rings])
        if iso3 in members:
            countries[iso3] = d
        else:
            other.append(d)
    return {
        "source": DATASET,
        "licence": "Natural Earth: public domain; world-atlas: ISC (Copyright 2013-2019 "
        "Michael Bostock)",
        "projection": "Equal Earth",
        "viewBox": f"0 0 {round(WIDTH)} {height}",
        "countries": dict(sorted(countries.items())),
        "other": other,
    }


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--source", type=Path, required=True, help="world-atlas .tgz or json")
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    data = build(read_topology(args.source))
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    args.output.write_text(text + "\n", encoding="utf-8")
    missing = sorted(member_states() - set(data["countries"]))
    print(
        f"{args.output}: {len(text):,} bytes, {len(data['countries'])} Member States drawn, "
        f"{len(data['other'])} other areas; not drawn at this scale: {', '.join(missing)}"
    )


if __name__ == "__main__":
    main()
