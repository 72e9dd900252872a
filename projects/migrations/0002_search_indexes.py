from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from kyodo_portal.migration_ops import search_indexes


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [TrigramExtension(), *search_indexes("projects_project")]
