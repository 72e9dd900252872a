"""`manage.py load_portal_data [--demo]`: reference data and city structure, plus demo content."""

from django.core.management.base import BaseCommand, CommandError

from accounts.services import DemoAccountsRefused, demo_accounts_ensure, partner_editors_group_ensure
from kyodo_portal.fixtures import DEMO_FIXTURES, REFERENCE_FIXTURES, fixtures_load_missing
from partners.services import partners_refresh_derived


class Command(BaseCommand):
    help = "Load the portal's reference data (and with --demo, demo partners and accounts) where missing."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also load demo content and demo accounts.")

    def handle(self, *args, demo: bool, **options):
        names = REFERENCE_FIXTURES + (DEMO_FIXTURES if demo else ())
        inserted = fixtures_load_missing(names=names)
        for label, count in sorted(inserted.items()):
            self.stdout.write(f"  {label}: {count} added")
        refreshed = partners_refresh_derived()
        partner_editors_group_ensure()
        self.stdout.write(f"  search text refreshed for {refreshed} partners")
        if demo:
            try:
                created = demo_accounts_ensure()
            except DemoAccountsRefused as error:
                raise CommandError(f"{error} Load demo data only in development.") from error
            for email in created:
                self.stdout.write(f"  demo account created: {email}")
        self.stdout.write(self.style.SUCCESS("Portal data is in place."))
