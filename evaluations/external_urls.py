"""Pages of the external evaluation (外部評価) cycles (see external_views)."""

urlpatterns: list = []
