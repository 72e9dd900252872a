"""`manage.py send_evaluation_reminders`: run daily (cron); each reminder reaches a person once."""

from django.core.management.base import BaseCommand

from evaluations.reminders import evaluation_reminders_send


class Command(BaseCommand):
    help = "Remind both sides of the evaluations due after a fiscal year has ended, and of overdue ones."

    def handle(self, *args, **options):
        sent = evaluation_reminders_send()
        self.stdout.write(f"Evaluation reminders sent: {sent}")
