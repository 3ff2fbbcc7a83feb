from django.urls import URLPattern, URLResolver

app_name = "transfers"
urlpatterns: list[URLPattern | URLResolver] = []
