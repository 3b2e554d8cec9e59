"""The admin site: Django's, with autocomplete candidates a model admin can label."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.contrib.admin.views.autocomplete import AutocompleteJsonView


class AutocompleteView(AutocompleteJsonView):
    """Candidates labelled by the model admin's `autocomplete_label(obj, term)`, if any."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj, self.term)
        return result


class TrackerAdminSite(admin.AdminSite):
    site_header = "Claim Tracker"
    site_title = "Claim Tracker admin"
    index_title = "Data entry"
    # The breadcrumbs and the index lead everywhere the sidebar does; without it the
    # claim changelist and the link inlines fit a 1,280 px window.
    enable_nav_sidebar = False

    def autocomplete_view(self, request):
        return AutocompleteView.as_view(admin_site=self)(request)


class TrackerAdminConfig(AdminConfig):
    default_site = "claims.sites.TrackerAdminSite"
