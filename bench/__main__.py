"""`make bench` / `python -m bench [--people N]`: build a benchmark database of
N people (default 25,000), then measure the KPI run, import throughput and HTTP
latency, print tables and write them to docs/benchmarks.md with the machine's
description. Uses its own database (rrcase_bench beside DATABASE_URL's), never
the demo or a live one."""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv/bin/python")
DOC = ROOT / "docs" / "benchmarks.md"

TARGETS = {  # KPI and HTTP targets at 250,000 people (issue 8)
    "all_kpis_s": 10.0,
    "kpi_peak_mb": 500.0,
    "page_p95_ms": 250.0,
    "search_p95_ms": 300.0,
    "import_rows_per_s": 20_000.0,
}


def bench_database_url() -> str:
    explicit = os.environ.get("BENCH_DATABASE_URL")
    if explicit:
        return explicit
    base = os.environ["DATABASE_URL"]
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path="/rrcase_bench"))


def manage(database_url: str, *args: str, capture: bool = False) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.bench",
    }
    result = subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, text=True,
        capture_output=capture,
    )  # fmt: skip
    return result.stdout if capture else ""


def ensure_database(database_url: str, people: int) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            with psycopg.connect(database_url) as db:
                try:
                    have = db.execute(
                        "SELECT count(*) FROM offenders_person WHERE reference LIKE 'B%%'"
                    ).fetchone()[0]
                except psycopg.errors.UndefinedTable:
                    have = -1
            if have == people:
                print(f"Reusing {name} with {people:,} people.", file=sys.stderr)
                manage(database_url, "migrate", "--no-input", "-v0")
                return
            conn.execute(f'DROP DATABASE "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    manage(database_url, "migrate", "--no-input", "-v0")
    manage(database_url, "shell", "-c", "from rrcase.access import demo; demo.seed()")
    started = time.perf_counter()
    print(
        manage(database_url, "generate_scale", "--people", str(people), capture=True),
        file=sys.stderr,
    )
    print(f"generated in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, AttributeError):
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip()
    return f"{os.cpu_count()} cores ({cpu}), {memory} memory, {platform.system()} {platform.release()}, Python {platform.python_version()}, {pg or 'PostgreSQL'} client"


def kpi_bench(database_url: str) -> dict[str, object]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "rrcase.settings.bench",
    }
    out = subprocess.run(
        [PY, "-m", "bench.kpi", "2025-01-01", "2025-03-31", datetime.now(tz=UTC).date().isoformat()],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return json.loads(out.strip().splitlines()[-1])


def import_bench(database_url: str, rows: int = 100_000) -> dict[str, float]:
    import psycopg

    with psycopg.connect(database_url) as db:
        refs = [r[0] for r in db.execute(
            "SELECT reference FROM offenders_person WHERE reference LIKE 'B%%' ORDER BY id LIMIT 20000")]  # fmt: skip
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "offences.csv"
        with path.open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                ["person_ref", "offence_ref", "offence_date", "category", "outcome", "outcome_date"]
            )
            for n in range(rows):
                writer.writerow(
                    [
                        refs[n % len(refs)],
                        f"BI{n:08d}",
                        "2024-03-01",
                        "shoplifting",
                        "conviction",
                        "2024-05-01",
                    ]
                )
        for label in ("create", "update"):
            started = time.perf_counter()
            manage(database_url, "import_data", folder, capture=True)
            seconds = time.perf_counter() - started
            results[f"{label}_seconds"] = seconds
            results[f"{label}_rows_per_s"] = rows / seconds
    return results


def http_bench(database_url: str, seconds: int) -> list[object]:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "rrcase.settings.bench"
    import django

    django.setup()
    from django.db.models import Count

    from bench import http
    from bench.generate import SURNAMES
    from offenders.models import Person
    from offenders.views.cases import SESSION_SEARCHES
    from panels.models import PanelMeeting

    # Searches are POSTed and kept in the session under an opaque id
    # (SECURITY.md: no search terms in URLs); the benchmark session holds two.
    # The commonest surname (about 1.2% of people, as Smith is) and a full name.
    common = SURNAMES[0].lower()
    cookie = http.session_cookie(
        "probation", {SESSION_SEARCHES: {"surname": common, "fullname": f"liam {common}"}}
    )
    person = (
        Person.objects.filter(lead_agency__code="probation")
        .annotate(n=Count("contacts"))
        .order_by("-n", "pk")
        .first()
    )
    meeting = (
        PanelMeeting.objects.filter(panel_type__code__startswith="bench-iom-", status="scheduled")
        .order_by("date", "pk")
        .first()
    )
    targets = [
        ("framework floor", "/bench/floor/"),
        ("case list", "/cases/?tab=all"),
        ("case list, filtered", "/cases/?tab=all&brag=red&cohort=iom"),
        ("person page", f"/people/{person.pk}/" if person else "/people/0/"),
        ("search, surname", "/cases/?tab=all&search=surname"),
        ("search, full name", "/cases/?tab=all&search=fullname"),
        ("panel agenda", f"/panels/meetings/{meeting.pk}/" if meeting else "/panels/"),
        ("dashboard", "/reports/"),
    ]
    return http.run(database_url, targets, cookie, seconds=seconds, workers=3)


def write_doc(people: int, report: str) -> None:
    DOC.parent.mkdir(exist_ok=True)
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    start, end = f"<!-- bench:{people} -->", f"<!-- /bench:{people} -->"
    block = f"{start}\n{report}\n{end}"
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=25_000)
    parser.add_argument("--http-seconds", type=int, default=10)
    parser.add_argument("--only", default="kpi,import,http")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    url = bench_database_url()
    ensure_database(url, args.people)

    lines = [
        f"## {args.people:,} people — {datetime.now(tz=UTC):%d %B %Y %H:%M} UTC",
        "",
        f"Machine: {machine()}.",
        "",
    ]
    if "kpi" in parts:
        kpi = kpi_bench(url)
        timings = kpi["timings"]  # type: ignore[index]
        lines += ["### KPI run (one quarter: 1 January to 31 March 2025)", "",
                  "| what | seconds |", "|---|---:|"]  # fmt: skip
        lines += [f"| {name} | {value:.3f} |" for name, value in timings.items()]  # type: ignore[union-attr]
        ratio = timings["proven_reoffending"] / max(timings["sql_floor_proven_reoffending"], 1e-9)  # type: ignore[index]
        lines += ["", f"Peak memory of the KPI process: {kpi['peak_rss_mb']:.0f} MB (target under {TARGETS['kpi_peak_mb']:.0f} MB). "
                  f"All KPIs: {timings['all_kpis']:.2f} s (target 10 s at 250,000 people). "  # type: ignore[index]
                  f"proven_reoffending / SQL floor: {ratio:.2f}× (target ≤ 2×). "
                  f"Floor and engine agree: {kpi['floor_matches_engine']}.", ""]  # fmt: skip
    if "import" in parts:
        imp = import_bench(url)
        lines += ["### Import (100,000-row offences.csv through `manage.py import_data`, process start included)", "",
                  "| run | seconds | rows per second |", "|---|---:|---:|",
                  f"| first (creates) | {imp['create_seconds']:.1f} | {imp['create_rows_per_s']:,.0f} |",
                  f"| second (updates, idempotent) | {imp['update_seconds']:.1f} | {imp['update_rows_per_s']:,.0f} |",
                  "", f"Target: at least {TARGETS['import_rows_per_s']:,.0f} rows per second.", ""]  # fmt: skip
    if "http" in parts:
        results = http_bench(url, args.http_seconds)
        lines += [f"### HTTP (gunicorn, 3 workers, wrk on loopback, {args.http_seconds} s per row, signed in as a probation officer)", "",
                  "| page | users | p50 ms | p95 ms | p99 ms | requests/s | errors |", "|---|---:|---:|---:|---:|---:|---:|"]  # fmt: skip
        lines += [
            f"| {r.name} | {r.concurrency} | {r.p50_ms:.0f} | {r.p95_ms:.0f} | {r.p99_ms:.0f} | {r.rps:.0f} | {r.errors} |"
            for r in results
        ]  # type: ignore[attr-defined]
        lines += ["", "Targets at 250,000 people, 10 users: case list and person page p95 ≤ 250 ms with throughput ≥ half the floor's; search p95 ≤ 300 ms.", ""]  # fmt: skip
    report = "\n".join(lines)
    print(report)
    write_doc(args.people, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
