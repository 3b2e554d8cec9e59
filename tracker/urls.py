from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Claim Tracker"
admin.site.site_title = "Claim Tracker admin"
admin.site.index_title = "Data entry"

handler400 = "tracker.errors.bad_request"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("claims.urls")),
]
