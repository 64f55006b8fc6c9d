from django.urls import path

from himig.ops import views

app_name = "ops"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("status", views.status, name="status"),
    path("status.json", views.status_json, name="status_json"),
]
