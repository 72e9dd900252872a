from django.db import migrations

from kyodo_portal.migration_ops import search_indexes


class Migration(migrations.Migration):
    """Japanese keyword search over the published proposals (pg_trgm is created by projects 0002)."""

    dependencies = [("window", "0001_initial"), ("projects", "0002_search_indexes")]

    operations = [*search_indexes("window_windowproposal")]
