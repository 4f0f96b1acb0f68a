"""Spain's published court statistics (shared/data/spain-cgpj) as Court KPI upload files.

Real yearly series to backtest the outlook on (docs/outlook-method.md): each of the 17
autonomous communities becomes a region with one court that stands for all its courts
(CGPJ publishes the community's totals over all jurisdictions), and each year one
caseload row of category civil (the only category, so `all` equals it). Pending at the
start of a year is the previous year's pending at the end; for 2001, the first year, it
is derived as pending_end − incoming + resolved. The counts are the CGPJ's as published;
the product computes the rates from them.

    python -m bench.spain_cgpj OUT_DIR [--data ../shared/data/spain-cgpj]
    python -m data load OUT_DIR/regions.csv; ... courts.csv; ... caseload.csv
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "spain-cgpj"
# ISO 3166-2:ES codes of the autonomous communities.
CODES = {"Andalucía": "ES-AN", "Aragón": "ES-AR", "Asturias": "ES-AS",
         "Illes Balears": "ES-IB", "Canarias": "ES-CN", "Cantabria": "ES-CB",
         "Castilla y León": "ES-CL", "Castilla-La Mancha": "ES-CM", "Cataluña": "ES-CT",
         "Comunitat Valenciana": "ES-VC", "Extremadura": "ES-EX", "Galicia": "ES-GA",
         "Madrid": "ES-MD", "Murcia": "ES-MC", "Navarra": "ES-NC", "País Vasco": "ES-PV",
         "La Rioja": "ES-RI"}
FILES = ("regions.csv", "courts.csv", "caseload.csv")


def write_files(data_dir: Path, out: Path) -> list[Path]:
    """The three upload files (regions, courts, caseload) in ``out``; their paths in the
    order they must be loaded."""
    communities = json.loads((data_dir / "ccaa.json").read_text("utf-8"))["comunidades"]
    unknown = sorted(set(communities) - set(CODES))
    if unknown:
        raise ValueError(f"communities without a code: {', '.join(unknown)}")
    out.mkdir(parents=True, exist_ok=True)
    regions, courts, caseload = (out / name for name in FILES)
    with regions.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["region_code", "name_en", "name_ru", "name_kk"])
        for name, code in CODES.items():
            w.writerow([code, name, name, name])
    with courts.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["court_code", "name_en", "name_ru", "name_kk", "region_code", "level",
                    "specialization"])
        for name, code in CODES.items():
            w.writerow([f"{code}-ALL", f"{name}, all courts", name, name, code, "regional",
                        "general"])
    with caseload.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["court_code", "year", "category", "pending_start", "incoming",
                    "resolved", "pending_end"])
        for name, code in CODES.items():
            years = communities[name]
            previous = None
            for year in sorted(years, key=int):
                row = years[year]
                start = previous if previous is not None else \
                    row["en_tramite_final"] - row["ingresados"] + row["resueltos"]
                w.writerow([f"{code}-ALL", int(year), "civil", start, row["ingresados"],
                            row["resueltos"], row["en_tramite_final"]])
                previous = row["en_tramite_final"]
    return [regions, courts, caseload]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.spain_cgpj", description=__doc__)
    p.add_argument("out", type=Path, help="folder for regions.csv, courts.csv, caseload.csv")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = p.parse_args(argv)
    if not (args.data / "ccaa.json").is_file():
        print(f"error: no ccaa.json in {args.data}", file=sys.stderr)
        return 1
    for path in write_files(args.data, args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
