from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "activities"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("calendar/", views.activity_calendar, name="calendar"),
    path("frequency/", views.frequency, name="frequency"),
    path("<int:pk>/", views.activity_detail, name="detail"),
    path("<int:pk>/edit/", views.activity_edit, name="edit"),
    path("<int:pk>/record/", views.activity_record, name="record"),
    path("<int:pk>/cancel/", views.activity_cancel, name="cancel"),
    path("<int:pk>/guests/", views.guest_add, name="guest_add"),
    path("<int:pk>/guests/<int:attendance_pk>/remove/", views.guest_remove, name="guest_remove"),
    path(
        "<int:pk>/visiting/<int:visiting_pk>/remove/",
        views.visiting_remove,
        name="visiting_remove",
    ),
    path("<int:pk>/votes/", views.vote_add, name="vote_add"),
    path("<int:pk>/attachments/", views.attachment_add, name="attachment_add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("compliance/<int:pk>/", views.compliance, name="compliance"),
    path("ledger/<int:pk>/<int:year>.<str:fmt>", views.ledger_export, name="ledger"),
    path("reviews/", views.review_list, name="reviews"),
    path("reviews/<int:pk>/", views.review_detail, name="review"),
    path("reviews/entries/<int:pk>/handle/", views.review_handle, name="review_handle"),
    path("reviews/entries/<int:pk>/self/", views.self_assessment, name="self_assessment"),
    path("members/<int:pk>/exemption/", views.life_exemption_create, name="exemption"),
    path("training/", views.training, name="training"),
    path("training/coverage/", views.training_coverage, name="training_coverage"),
    path("training/coverage.xlsx", views.training_coverage_export, name="training_coverage_export"),
    path("training/<int:pk>/", views.course_detail, name="course"),
]
