from django.contrib import admin
from django.urls import include, path

from himig.api.api import api
from himig.ops import views as ops_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("himig.accounts.urls")),
    path("", include("himig.studio.urls")),
    path("api/", api.urls),
    path("settings/api-keys/", include("himig.api.urls")),
    path("ops/", include("himig.ops.urls")),
    path("metrics", ops_views.metrics_view, name="metrics"),
]
