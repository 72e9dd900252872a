"""`manage.py load_portal_data [--demo]`: reference data and city structure, plus demo content."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.services import (
    DemoAccountsRefused,
    demo_accounts_ensure,
    demo_administrator,
    partner_editors_group_ensure,
)
from evaluations.demo import demo_evaluations_ensure
from kyodo_portal.fixtures import DEMO_FIXTURES, REFERENCE_FIXTURES, fixtures_load_missing
from partners.models import Partner
from partners.services import partners_record_initial_history, partners_refresh_ids, partners_verify_complete
from projects.models import Project, ProjectParty
from projects.services import projects_record_initial_history, projects_refresh_ids
from proposals.demo import demo_calls_ensure
from proposals.review_demo import demo_review_ensure
from window.demo import demo_window_ensure


class Command(BaseCommand):
    help = "Load the portal's reference data (and with --demo, demo partners and accounts) where never loaded."

    def add_arguments(self, parser):
        parser.add_argument("--demo", action="store_true", help="Also load demo content and demo accounts.")

    def handle(self, *args, demo: bool, **options):
        if demo and not settings.DEMO_ACCOUNTS_ALLOWED:
            raise CommandError("Demo data and accounts are loaded only in development (DEBUG on).")
        loaded = fixtures_load_missing(names=REFERENCE_FIXTURES + (DEMO_FIXTURES if demo else ()))
        for label, count in sorted(loaded.counts().items()):
            self.stdout.write(f"  {label}: {count} added")
        for label, pks in sorted(loaded.skipped.items()):
            self.stdout.write(self.style.WARNING(f"  {label}: {len(pks)} skipped, clashing with data entered since"))
        # Only rows this load inserted lack their derived columns; the services keep the others current.
        new_partners = loaded.inserted.get(Partner._meta.label, [])
        partners_refresh_ids(new_partners)
        new_projects = loaded.inserted.get(Project._meta.label, [])
        with_new_parties = ProjectParty.objects.filter(pk__in=loaded.inserted.get(ProjectParty._meta.label, []))
        projects_refresh_ids({*new_projects, *with_new_parties.values_list("project_id", flat=True)})
        partner_editors_group_ensure()
        if new_partners:
            partners_record_initial_history(partner_ids=new_partners, reason="初期データの読み込み")
        if new_projects:
            projects_record_initial_history(project_ids=new_projects, reason="初期データの読み込み")
        if demo:
            try:
                for email in demo_accounts_ensure():
                    self.stdout.write(f"  demo account created: {email}")
            except DemoAccountsRefused as error:
                raise CommandError(f"{error} Load demo data only in development.") from error
        if demo:
            for title in demo_calls_ensure():
                self.stdout.write(f"  demo call created: {title}")
            for title in demo_review_ensure():
                self.stdout.write(f"  demo proposals under review and decided: {title}")
            for title in demo_evaluations_ensure():
                self.stdout.write(f"  demo evaluation: {title}")
            for title in demo_window_ensure():
                self.stdout.write(f"  demo proposal to the window: {title}")
        if demo and new_partners:
            # The demo administrator verifies the complete demo records, as an administrator would;
            # the records say who verified them and when.
            verified, left = partners_verify_complete(partner_ids=new_partners, user=demo_administrator())
            self.stdout.write(f"  demo partners verified by the demo administrator: {verified} ({left} incomplete)")
        self.stdout.write(self.style.SUCCESS("Portal data is in place."))
