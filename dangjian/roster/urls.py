from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "roster"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.import_page, name="import"),
    path("template/<str:kind>.xlsx", views.template_download, name="template"),
    path("jobs/<uuid:public_id>/", views.job_page, name="job"),
    path("jobs/<uuid:public_id>/commit/", views.job_commit, name="job_commit"),
    path("jobs/<uuid:public_id>/errors.xlsx", views.job_errors, name="job_errors"),
    path("export/", views.member_export, name="export"),
]
