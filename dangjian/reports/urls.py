from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("organizations/<int:pk>/", views.organization, name="organization"),
]
