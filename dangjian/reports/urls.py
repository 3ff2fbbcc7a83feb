from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_index, name="index"),
    path("organizations/<int:pk>/", views.organization, name="organization"),
    path("organizations/<int:pk>/report/", views.report, name="report"),
    path("organizations/<int:pk>/report.<str:kind>", views.report_export, name="export"),
    path("organizations/<int:pk>/compare/", views.compare, name="compare"),
    path("organizations/<int:pk>/snapshots/", views.snapshot_create, name="snapshot_create"),
    path("organizations/<int:pk>/snapshots/<int:year>/", views.snapshot_detail, name="snapshot"),
]
