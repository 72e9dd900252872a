"""Remind reviewers of reviews and applicants of revisions close to their deadline (run daily)."""

from django.core.management.base import BaseCommand, CommandError

from proposals.review import send_reminders


class Command(BaseCommand):
    help = "Remind reviewers of reviews and applicants of revisions due within --days days (each reminder once)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=3, help="How many days ahead a deadline is reminded of.")

    def handle(self, *args, days: int, **options):
        if days < 0:
            raise CommandError("--days cannot be negative.")
        sent = send_reminders(days_before=days)
        self.stdout.write(f"{sent} reminder(s) sent.")
