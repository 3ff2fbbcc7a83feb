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
]
