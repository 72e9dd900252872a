"""Template context every page needs."""

from django.conf import settings


def portal(request) -> dict:
    # In development the pages show demo data; say so, so that nobody takes it for the city's records.
    return {"show_demo_banner": settings.DEMO_BANNER}
