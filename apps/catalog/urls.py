from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path

from apps.catalog import views
from apps.catalog.sitemaps import SITEMAPS

# The home page is the catalog's too (views.home), but it is routed in config/urls.py
# without a namespace: every template links to it as {% url 'home' %}.
app_name = "catalog"

# Slugs may be Chinese (slugify(allow_unicode=True)): word characters and hyphens, which
# also keeps control characters such as NUL away from the database.
SLUG = r"(?P<slug>[-\w]+)"

urlpatterns = [
    re_path(rf"^c/{SLUG}/$", views.category_detail, name="category"),
    path("search/", views.search, name="search"),
    re_path(rf"^p/{SLUG}/$", views.product_detail, name="product"),
    re_path(rf"^p/{SLUG}/reviews/$", views.review_create, name="review_create"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
]
