from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "exports"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.export_list, name="list"),
    path("<uuid:public_id>/", views.export_page, name="job"),
    path("<uuid:public_id>/file", views.export_file, name="file"),
]
