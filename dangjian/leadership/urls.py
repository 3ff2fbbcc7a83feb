from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "leadership"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.roster, name="roster"),
    path("export.xlsx", views.roster_export, name="export"),
    path("reports/new/", views.duty_report_create, name="report_create"),
    path("members/<int:pk>/staff-post/", views.staff_post_assign, name="staff_post"),
]
