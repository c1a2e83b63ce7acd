from django.urls import include, path  # noqa: F401

app_name = "targets"
urlpatterns: list = []

# The progress dashboards (issue 6) live in their own module of this app.
try:
    from .dashboard_urls import urlpatterns as dashboard_urlpatterns
except ModuleNotFoundError as exc:  # until the dashboards land
    if exc.name != "targets.dashboard_urls":
        raise
    dashboard_urlpatterns = []
urlpatterns += dashboard_urlpatterns
