from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from kyodo_portal.migration_ops import search_indexes


class Migration(migrations.Migration):
    dependencies = [("partners", "0001_initial")]

    # TrigramExtension does nothing on databases other than PostgreSQL, nor do the search indexes.
    operations = [TrigramExtension(), *search_indexes("partners_partner")]
