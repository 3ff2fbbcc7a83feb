from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "places"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.place_list, name="list"),
    path("new/", views.place_edit, name="create"),
    path("<int:pk>/", views.place_edit, name="edit"),
    path("directory.json", views.directory_export, name="directory_export"),
]
