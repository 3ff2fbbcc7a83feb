from django.urls import path

from . import views

app_name = "care"
urlpatterns = [
    path("member/<int:pk>/<str:kind>", views.record_new, name="record_new"),
    path("fund/<int:org>", views.fund, name="fund"),
    path("volunteer/<int:org>", views.volunteer_list, name="volunteer_list"),
    path("volunteer/new", views.volunteer_new, name="volunteer_new"),
    path("volunteer/publish/<int:org>", views.volunteer_publish, name="volunteer_publish"),
    path(
        "volunteer/activity/<int:pk>/signups",
        views.volunteer_signups_record,
        name="volunteer_signups_record",
    ),
    path("help/<int:org>", views.help_requests, name="help_requests"),
    path("help/request/<int:pk>", views.help_take_up, name="help_take_up"),
    path("volunteer/activity/<int:pk>", views.volunteer_detail, name="volunteer_detail"),
    path(
        "volunteer/activity/<int:pk>/add",
        views.volunteer_participant_add,
        name="volunteer_participant_add",
    ),
    path(
        "volunteer/activity/<int:pk>/participant/<int:service_pk>",
        views.volunteer_participant,
        name="volunteer_participant",
    ),
]
