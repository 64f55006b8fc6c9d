from django.urls import path

from himig.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("settings/", views.settings_page, name="settings"),
    path("settings/profile-setup/", views.profile_setup, name="profile_setup"),
    # Browsers ask for /favicon.ico on pages without an icon link (raw files, errors).
    path("favicon.ico", views.favicon, name="favicon"),
]
