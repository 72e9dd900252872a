"""`manage.py generate_demo_data --projects N --partners N`: a large synthetic data set for benchmarks."""

import time

from django.core.management.base import BaseCommand, CommandError

from projects.synthetic import (
    PARTNER_NAME_PREFIX,
    PROJECT_TITLE_PREFIX,
    SyntheticDataError,
    synthetic_delete,
    synthetic_generate,
)


class Command(BaseCommand):
    help = (
        f"Generate published synthetic projects (titled {PROJECT_TITLE_PREFIX}…) and partners "
        f"(named {PARTNER_NAME_PREFIX}…) for benchmarks. Needs the reference data of load_portal_data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--projects", type=int, default=100_000, help="Projects to generate (100000).")
        parser.add_argument("--partners", type=int, default=20_000, help="Partners to generate (20000).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed; the same seed gives the same data.")
        parser.add_argument("--batch", type=int, default=5000, help="Rows per bulk insert (5000).")
        parser.add_argument(
            "--delete", action="store_true", help="First delete the synthetic projects and partners made before."
        )

    def handle(self, *args, projects: int, partners: int, seed: int, batch: int, delete: bool, **options):
        started = time.perf_counter()
        if delete:
            projects_deleted, partners_deleted, kept = synthetic_delete()
            self.stdout.write(
                f"Deleted {projects_deleted} synthetic projects and {partners_deleted} synthetic partners "
                f"in {time.perf_counter() - started:.1f} s."
            )
            if kept:
                self.stdout.write(self.style.WARNING(f"  {kept} synthetic partners kept: real projects name them."))
        progress = (lambda message: self.stdout.write(f"  {message}")) if options["verbosity"] >= 1 else None
        try:
            outcome = synthetic_generate(
                projects=projects, partners=partners, seed=seed, batch_size=batch, progress=progress
            )
        except SyntheticDataError as error:
            raise CommandError(str(error)) from error
        timings = ", ".join(f"{phase} {seconds:.1f} s" for phase, seconds in outcome.seconds.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {outcome.projects} synthetic projects and {outcome.partners} synthetic partners "
                f"({outcome.rows} rows with their relations) in {time.perf_counter() - started:.1f} s"
                + (f": {timings}." if timings else ".")
            )
        )
