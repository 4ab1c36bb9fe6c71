"""sitemap.xml: the home page, every category and every published product."""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from apps.catalog import selectors


class HomeSitemap(Sitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self):
        return ["home"]

    def location(self, item):
        return reverse(item)


class CategorySitemap(Sitemap):
    changefreq = "daily"
    priority = 0.6

    def items(self):
        return selectors.sitemap_categories()


class ProductSitemap(Sitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self):
        return selectors.sitemap_products()

    def lastmod(self, product):
        return product.updated_at


SITEMAPS = {"home": HomeSitemap, "categories": CategorySitemap, "products": ProductSitemap}
