"""`manage.py send_window_reminders`: run daily (cron); each reminder of each deadline goes out once."""

from django.core.management.base import BaseCommand

from window.reminders import window_reminders_send


class Command(BaseCommand):
    help = "Remind departments of the window's proposals due soon or overdue, and escalate long-overdue ones."

    def handle(self, *args, **options):
        sent = window_reminders_send()
        self.stdout.write(f"Window reminders sent: {sent}")
