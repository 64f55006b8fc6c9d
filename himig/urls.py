from django.contrib import admin
from django.urls import include, path

from himig.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", api.urls),
]
