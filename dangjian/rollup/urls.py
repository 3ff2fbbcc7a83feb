from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "rollup"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("export/", views.export, name="export"),
    path("report.<str:kind>", views.report_export, name="report_export"),
]
