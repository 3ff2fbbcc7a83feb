from django.urls import path

from . import views

app_name = "members"
urlpatterns = [
    path("", views.member_list, name="list"),
    path("new/", views.member_create, name="create"),
    path("<int:pk>/", views.member_detail, name="detail"),
    path("<int:pk>/edit/", views.member_edit, name="edit"),
    path("<int:pk>/reveal/<str:field>/", views.member_reveal, name="reveal"),
    path("<int:pk>/status/", views.member_status, name="status"),
    path("<int:pk>/remove/", views.member_remove, name="remove"),
    path("<int:pk>/restore/", views.member_restore, name="restore"),
    path("<int:pk>/move/", views.member_move, name="move"),
    path("<int:pk>/positions/new/", views.position_assign, name="position_assign"),
    path("<int:pk>/positions/<int:position_pk>/end/", views.position_end, name="position_end"),
    path("<int:pk>/family/new/", views.family_member_add, name="family_add"),
    path(
        "<int:pk>/family/<int:family_pk>/reveal/", views.family_member_reveal, name="family_reveal"
    ),
    path(
        "<int:pk>/family/<int:family_pk>/remove/", views.family_member_remove, name="family_remove"
    ),
    path("<int:pk>/abroad/new/", views.trip_abroad_add, name="trip_add"),
    path("<int:pk>/abroad/<int:trip_pk>/return/", views.trip_abroad_return, name="trip_return"),
    path("<int:pk>/abroad/<int:trip_pk>/remove/", views.trip_abroad_remove, name="trip_remove"),
    path(
        "organizations/<int:org_pk>/mass/",
        views.mass_organization_edit,
        name="mass_organization",
    ),
]
