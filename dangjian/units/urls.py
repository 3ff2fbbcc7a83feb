from django.urls import path

from . import views

app_name = "units"
urlpatterns = [
    path("", views.index, name="index"),
    path("import/", views.import_units, name="import"),
    path("export.xlsx", views.export_units, name="export"),
    path("joint/", views.joint_branch, name="joint"),
    path("instructors/", views.instructors, name="instructors"),
]
