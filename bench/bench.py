#!/usr/bin/env python3
"""Latency and SQL queries of the portal's list, search and detail pages on a large synthetic data set.

    bench/bench.py                                   # a throwaway PostgreSQL 15 through bin/with-postgres
    bench/bench.py --database-url postgres://...     # a database you name (its synthetic rows are replaced)
    bench/bench.py --projects 20000 --partners 5000 --requests 50

Pages are requested in-process with Django's test Client (no server, no network), so the numbers are
the time of the view, its queries and its template, not of a web server.
"""

import argparse
import math
import os
import platform
import statistics
import sys
import time
import warnings
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
WITH_POSTGRES = ROOT / "bin" / "with-postgres"
# Set for the copy of this script that bin/with-postgres runs; its DATABASE_URL is the throwaway cluster.
THROWAWAY_MARKER = "KYODO_BENCH_THROWAWAY_DATABASE"
WARM_UP_REQUESTS = 2
MUNICIPALITY_CODE = "141305"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        help="Database to benchmark (it gets migrated, reference data and synthetic rows; never production). "
        "Without it, a throwaway PostgreSQL is started with bin/with-postgres.",
    )
    parser.add_argument("--projects", type=int, default=100_000, help="Synthetic projects (100000).")
    parser.add_argument("--partners", type=int, default=20_000, help="Synthetic partners (20000).")
    parser.add_argument("--seed", type=int, default=1, help="Seed of the synthetic data (1).")
    parser.add_argument("--requests", type=int, default=30, help="Measured requests per page (30).")
    parser.add_argument(
        "--no-generate",
        action="store_true",
        help="Measure the synthetic data already in the database instead of generating it again.",
    )
    args = parser.parse_args(argv)
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    return args


def ensure_django() -> None:
    """Run under the project's virtualenv when started with another Python."""
    try:
        import django  # noqa: F401
    except ImportError:
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parent.parent.resolve():
            os.execv(VENV_PYTHON, [str(VENV_PYTHON), __file__, *sys.argv[1:]])  # noqa: S606
        sys.exit("bench: Django is not installed; run `make install-dev` first.")


def run_under_throwaway_postgres(argv: list[str]) -> None:
    pg_bin = Path(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"))
    if not (pg_bin / "initdb").exists():
        sys.exit(
            f"bench: no PostgreSQL server binaries in {pg_bin} (set PG_BIN, install postgresql-15), "
            "or pass --database-url."
        )
    os.environ[THROWAWAY_MARKER] = "1"
    os.execv(WITH_POSTGRES, [str(WITH_POSTGRES), sys.executable, __file__, *argv])  # noqa: S606


def configure_environment(database_url: str) -> None:
    """Production-like settings (DEBUG off: no query log, cached templates) that run without a deployment."""
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "kyodo_portal.settings"
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-never-used-in-production-0123456789")
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEMO_BANNER"] = "0"
    sys.path.insert(0, str(ROOT))
    # WhiteNoise warns that there is no collected static folder; pages are rendered without one here.
    warnings.filterwarnings("ignore", message="No directory at")


def create_throwaway_database() -> None:
    """bin/with-postgres starts an empty cluster; its DATABASE_URL names a database still to be created."""
    import psycopg
    from django.conf import settings

    database = settings.DATABASES["default"]
    with psycopg.connect(
        dbname="postgres",
        host=database["HOST"],
        port=database["PORT"] or None,
        user=database["USER"],
        password=database["PASSWORD"] or None,
        autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database["NAME"]]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{database["NAME"]}"')


def step(label: str, function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    print(f"- {label}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return result


def prepare_data(args: argparse.Namespace) -> None:
    from django.core.management import call_command
    from django.db import connection

    step("migrate", call_command, "migrate", verbosity=0, interactive=False)
    from projects.synthetic import SyntheticDataError, synthetic_reference

    try:
        synthetic_reference()
    except SyntheticDataError:
        step("load_portal_data", call_command, "load_portal_data", stdout=StringIO())
    else:
        # On a database that already holds 100,000 projects the command re-checks every row's search text.
        print("- load_portal_data: skipped, the reference data is in place", file=sys.stderr)
    if not args.no_generate:
        output = StringIO()
        step(
            f"generate_demo_data --projects {args.projects} --partners {args.partners} --delete",
            call_command,
            "generate_demo_data",
            projects=args.projects,
            partners=args.partners,
            seed=args.seed,
            delete=True,
            verbosity=0,
            stdout=output,
        )
        print("  " + output.getvalue().strip().replace("\n", "\n  "), file=sys.stderr)
    if connection.vendor == "postgresql":
        # A freshly loaded table has no visibility map, so index-only scans would still read the heap.
        with connection.cursor() as cursor:
            step("VACUUM ANALYZE", cursor.execute, "VACUUM ANALYZE")


@dataclass
class Row:
    page: str
    url: str
    status: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None


def pages() -> list[tuple[str, str]]:
    from partners.models import Ward
    from projects.models import CollaborationForm, Project, Scheme

    ward = Ward.objects.filter(municipality__code=MUNICIPALITY_CODE).order_by("sort_order", "code").first()
    form = CollaborationForm.objects.order_by("sort_order", "code").first()
    scheme = Scheme.objects.filter(municipality__code=MUNICIPALITY_CODE).order_by("sort_order", "code").first()
    synthetic = Project.objects.filter(is_synthetic=True).order_by("pk")
    project = synthetic[synthetic.count() // 2] if synthetic.exists() else Project.objects.order_by("pk").first()
    return [
        ("Projects: list", "/projects/"),
        ("Projects: ward and form", f"/projects/?ward={ward.pk if ward else ''}&form={form.pk if form else ''}"),
        ("Projects: search 1 character", "/projects/?q=森"),
        ("Projects: search 2 characters", "/projects/?q=環境"),
        ("Projects: search 5 characters", "/projects/?q=リサイクル"),
        ("Projects: scheme, FY, by amount", f"/projects/?scheme={scheme.pk if scheme else ''}&fy=2016&sort=-amount"),
        ("Project detail", f"/projects/{project.pk if project else 0}/"),
        ("Partners: search 3 characters", "/partners/?q=子育て"),
    ]


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least this share of samples at or below it."""
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(len(ordered) * share)) - 1]


def measure(page: str, url: str, requests: int) -> Row:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_ACCEPT_LANGUAGE="ja")
    try:
        response = client.get(url)
        if response.status_code == 404:
            return Row(page, url, "404/not yet available")
        for _warm_up in range(WARM_UP_REQUESTS - 1):
            client.get(url)
        samples = []
        for _request in range(requests):
            started = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - started) * 1000)
        # Counted apart: capturing queries slows them down a little.
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
    except Exception as error:  # a page being written may fail; the other rows are still worth having
        return Row(page, url, f"error: {type(error).__name__}: {str(error)[:80]}")
    return Row(
        page,
        url,
        str(response.status_code),
        median_ms=statistics.median(samples),
        p95_ms=percentile(samples, 0.95),
        queries=len(captured),
    )


def markdown(rows: list[Row]) -> str:
    def number(value: float | None) -> str:
        return "–" if value is None else f"{value:.1f}"

    lines = [
        "| Page | URL | Status | Median ms | p95 ms | SQL queries |",
        "|---|---|---|---:|---:|---:|",
    ]
    lines += [
        f"| {row.page} | `{row.url}` | {row.status} | {number(row.median_ms)} | {number(row.p95_ms)} | "
        f"{'–' if row.queries is None else row.queries} |"
        for row in rows
    ]
    return "\n".join(lines)


def describe_setup(requests: int) -> str:
    import django
    from django.db import connection

    from partners.models import Partner
    from projects.models import Project

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    else:
        database = f"{connection.vendor} {connection.Database.sqlite_version}"
    projects = Project.objects.count()
    synthetic = Project.objects.filter(is_synthetic=True).count()
    return (
        f"{database}; {projects} projects ({synthetic} synthetic), {Partner.objects.count()} partners; "
        f"{requests} requests per page after {WARM_UP_REQUESTS} warm-up requests; Django {django.get_version()}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs; DEBUG off, anonymous visitor."
    )


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    ensure_django()
    throwaway = os.environ.get(THROWAWAY_MARKER) == "1" and "DATABASE_URL" in os.environ
    if not args.database_url and not throwaway:
        run_under_throwaway_postgres(argv)
    configure_environment(args.database_url or os.environ["DATABASE_URL"])

    import django

    django.setup()
    from django.test.utils import override_settings

    if throwaway and not args.database_url:
        create_throwaway_database()
    prepare_data(args)
    # Templates name static files; the manifest of a collectstatic run is not needed to time the pages.
    plain_static = {"staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    from django.conf import settings

    with override_settings(STORAGES={**settings.STORAGES, **plain_static}):
        rows = []
        for page, url in pages():
            row = measure(page, url, args.requests)
            print(f"- {page}: {row.status}", file=sys.stderr)
            rows.append(row)
    print()
    print(describe_setup(args.requests))
    print()
    print(markdown(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
