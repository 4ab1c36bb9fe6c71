"""The back office's site: branded, and its index grouped by domain instead of by app.

Installed through `apps.core.apps.ShopAdminConfig` (in INSTALLED_APPS in place of
"django.contrib.admin"), so every `admin.site.register` / `@admin.register` in the apps
lands here without naming it. Sections list app labels (and, where an app's models
belong to two domains, "app_label.ModelName"); core names no other app's code.
"""

from django.contrib import admin
from django.http import HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# The landing page for staff who may see it (by URL name and permission: core imports no app).
DASHBOARD = ("admin:reports_dashboard_changelist", "reports.view_dashboard")

# (section title, members). A model goes to the first section naming it or its app.
SECTIONS = (
    (_("Reports"), ("reports",)),
    (_("Orders & Payments"), ("orders", "payments", "shipping")),
    (_("Catalog"), ("catalog",)),
    (_("Stock"), ("inventory",)),
    (_("Promotions"), ("promotions",)),
    (_("Customers"), ("accounts", "auth", "token_blacklist")),
    (_("System"), ("core",)),
)


class ShopAdminSite(admin.AdminSite):
    site_header = _("Shop back office")
    site_title = _("Shop back office")
    index_title = _("Run the shop")

    def index(self, request, extra_context=None):
        """The sales dashboard is the landing page of those who may see it; `?apps` (the
        "Home" link of the dashboard) shows the grouped list of everything else."""
        url_name, permission = DASHBOARD
        if "apps" not in request.GET and request.user.has_perm(permission):
            try:
                return HttpResponseRedirect(reverse(url_name, current_app=self.name))
            except NoReverseMatch:  # reports not installed
                pass
        return super().index(request, extra_context)

    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        if app_label is not None:  # an app's own index page keeps Django's layout
            return apps
        sections: dict[str, dict] = {}
        leftovers: dict[str, dict] = {}
        for app in apps:
            for model in app["models"]:
                title = _section_of(app["app_label"], model["object_name"])
                if title is None:  # an app nobody placed yet still shows, under its own name
                    leftovers.setdefault(app["app_label"], {**app, "models": []})["models"].append(model)
                    continue
                section = sections.setdefault(
                    str(title),
                    {
                        "name": title,
                        "app_label": app["app_label"],
                        "app_url": "",
                        "has_module_perms": True,
                        "models": [],
                    },
                )
                section["models"].append(model)
        ordered = [sections[str(title)] for title, _members in SECTIONS if str(title) in sections]
        return ordered + list(leftovers.values())


def _section_of(app_label: str, object_name: str):
    for title, members in SECTIONS:
        if f"{app_label}.{object_name}" in members or app_label in members:
            return title
    return None
