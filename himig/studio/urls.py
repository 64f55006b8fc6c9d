"""Studio pages: Generate, tracks, the library and shared links."""

from django.urls import path

from himig.studio import views

app_name = "studio"

urlpatterns = [
    path("generate/", views.generate, name="generate"),
    path("library/", views.library, name="library"),
    path("tracks/<uuid:track_id>/", views.track_detail, name="track"),
    path("tracks/<uuid:track_id>/status", views.track_status, name="track_status"),
    path("tracks/<uuid:track_id>/files/<str:kind>", views.track_file, name="track_file"),
    path("tracks/<uuid:track_id>/favorite", views.track_favorite, name="track_favorite"),
    path("tracks/<uuid:track_id>/rename", views.track_rename, name="track_rename"),
    path("tracks/<uuid:track_id>/share", views.track_share, name="track_share"),
    path("tracks/<uuid:track_id>/retry", views.track_retry, name="track_retry"),
    path("tracks/<uuid:track_id>/regenerate", views.track_regenerate, name="track_regenerate"),
    path("tracks/<uuid:track_id>/delete", views.track_delete, name="track_delete"),
    path("tracks/<uuid:track_id>/play", views.track_play, name="track_play"),
    path("t/<str:slug>", views.shared, name="shared"),
    path("t/<str:slug>/files/<str:kind>", views.shared_file, name="shared_file"),
    path("t/<str:slug>/card.png", views.shared_image, name="shared_image"),
    path("t/<str:slug>/play", views.shared_play, name="shared_play"),
]
