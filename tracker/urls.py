from django.contrib import admin
from django.urls import include, path

handler400 = "tracker.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("claims.urls")),
]
