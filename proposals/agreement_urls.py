"""URLs of the agreement (協定書) drawn up from an adopted proposal (namespace "agreements")."""

app_name = "agreements"

urlpatterns: list = []
