"""The catalog back office.

Every change goes through the catalog services, so the read model (price range, in
stock, rating, search text), thumbnails and the cache stay in step with what staff
edit: product and SKU forms save through services, image uploads are checked and
resized by the same code as the API, and state (publish, moderation) changes only
through actions.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Prefetch
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from apps.catalog import services
from apps.catalog.domain.exceptions import DuplicateCombination, ImageTooLarge, InvalidImage, InvalidSkuAttributes
from apps.catalog.models import (
    SKU,
    Attribute,
    AttributeValue,
    Brand,
    Category,
    Product,
    ProductImage,
    Review,
)
from apps.core.domain.exceptions import DomainError
from apps.core.domain.money import format_money

SKU_FIELDS = ("code", "price", "compare_at_price", "weight_grams", "is_active")


def _thumbnail_tag(image: ProductImage | None, size: int = 60):
    if image is None or not image.thumbnail:
        return "-"
    return format_html(
        '<img src="{}" alt="{}" style="max-width:{}px;max-height:{}px">', image.thumbnail.url, image.alt, size, size
    )


def _protected_by(objs, protected_of) -> list[str]:
    """Objects that stop a delete but that Django's collector cannot see, as the delete
    page lists protected objects ("Product: Oolong")."""
    return [f"{capfirst(protected._meta.verbose_name)}: {protected}" for obj in objs for protected in protected_of(obj)]


# --- Categories, brands, attributes --------------------------------------------------------


@admin.register(Category)
class CategoryAdmin(TreeAdmin):
    """The tree: drag nodes to move them, or pick a position in the form."""

    form = movenodeform_factory(Category)
    list_display = ("name", "slug")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.category_products_refresh(category=obj)

    def delete_model(self, request, obj):
        services.category_delete(category=obj)

    def delete_queryset(self, request, queryset):
        for category in queryset:
            services.category_delete(category=category)

    def get_deleted_objects(self, objs, request):
        # Products hold their category with PROTECT, but a node's subtree goes with it by
        # path, not by foreign key, so the collector misses the subtree's products.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = [
            *protected,
            *_protected_by(objs, lambda c: Product.objects.filter(category__path__startswith=c.path)),
        ]
        return deleted, counts, perms_needed, list(dict.fromkeys(protected))

    def move_node(self, request):
        response = super().move_node(request)
        if response.status_code == 200:
            services.category_tree_changed()
        return response


@admin.register(Brand)
class BrandAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}

    def save_model(self, request, obj, form, change):
        services.brand_save(brand=obj)

    def delete_model(self, request, obj):
        services.brand_delete(brand=obj)

    def delete_queryset(self, request, queryset):
        for brand in queryset:
            services.brand_delete(brand=brand)


class AttributeValueFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.deleted_forms:
            if form.instance.pk and form.instance.skus.exists():
                raise ValidationError(
                    gettext("“%(value)s” is used by SKUs; change those SKUs first.") % {"value": form.instance.value}
                )


class AttributeValueInline(admin.TabularInline):
    model = AttributeValue
    formset = AttributeValueFormSet
    fields = ("value", "slug", "position")
    prepopulated_fields = {"slug": ("value",)}
    extra = 1


@admin.register(Attribute)
class AttributeAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position", "value_list")
    search_fields = ("name", "slug", "values__value")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [AttributeValueInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("values")

    @admin.display(description=_("values"))
    def value_list(self, obj):
        return ", ".join(value.value for value in obj.values.all())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        services.attribute_products_invalidate(attribute=form.instance)

    def get_deleted_objects(self, objs, request):
        # SKUs link values through a many-to-many table, which Django would empty quietly.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        in_use = _protected_by(objs, lambda a: SKU.objects.filter(attribute_values__attribute=a).distinct())
        return deleted, counts, perms_needed, [*protected, *in_use]


# --- Products -----------------------------------------------------------------------------


class SkuInlineFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        value_sets = [
            list(form.cleaned_data.get("attribute_values") or [])
            for form in self.forms
            if getattr(form, "cleaned_data", None)
        ]
        try:
            services.sku_combinations_check(value_sets=value_sets)
        except (DuplicateCombination, InvalidSkuAttributes) as exc:
            raise ValidationError(gettext(exc.detail), code=exc.code) from exc


class SkuInline(admin.TabularInline):
    """SKUs are switched off (active), never deleted: orders and stock refer to them."""

    model = SKU
    formset = SkuInlineFormSet
    fields = (*SKU_FIELDS, "attribute_values", "stock_available")
    readonly_fields = ("stock_available",)
    extra = 0
    can_delete = False

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "attribute_values":
            kwargs["queryset"] = AttributeValue.objects.select_related("attribute")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("attribute_values")


class ProductImageForm(forms.ModelForm):
    class Meta:
        model = ProductImage
        fields = ("image", "alt", "position")

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if isinstance(upload, UploadedFile):
            try:
                services.product_image_check(upload=upload)
            except (InvalidImage, ImageTooLarge) as exc:
                raise ValidationError(gettext(exc.detail), code=exc.code) from exc
        return upload


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = ProductImageForm
    fields = ("preview", "image", "alt", "position")
    readonly_fields = ("preview",)
    extra = 1

    @admin.display(description=_("thumbnail"))
    def preview(self, obj):
        return _thumbnail_tag(obj, size=100)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = (
        "thumbnail",
        "name",
        "brand",
        "category",
        "status",
        "price_from",
        "in_stock",
        "rating",
        "published_at",
    )
    list_display_links = ("thumbnail", "name")
    list_filter = ("status", "in_stock", "category", "brand")
    list_select_related = ("brand", "category")
    search_fields = ("name", "slug", "skus__code")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = (
        "status",
        "published_at",
        "min_price",
        "max_price",
        "in_stock",
        "rating_avg",
        "rating_count",
        "sales_count",
    )
    fieldsets = (
        (None, {"fields": ("name", "slug", "category", "brand", "description", "is_featured")}),
        (_("Search engines"), {"fields": ("seo_title", "seo_description")}),
        (
            _("State (changed by actions and by the shop)"),
            {"fields": readonly_fields},
        ),
    )
    inlines = [SkuInline, ProductImageInline]
    actions = ["publish", "unpublish", "archive"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")))
        )

    @admin.display(description=_("image"))
    def thumbnail(self, obj):
        images = obj.images.all()
        return _thumbnail_tag(images[0] if images else None)

    @admin.display(description=_("price from"), ordering="min_price")
    def price_from(self, obj):
        return format_money(obj.min_price) if obj.min_price is not None else "-"

    @admin.display(description=_("rating"), ordering="rating_avg")
    def rating(self, obj):
        return f"{obj.rating_avg} ({obj.rating_count})"

    # Saving: through the services, so the read model and the thumbnails follow.

    def save_model(self, request, obj, form, change):
        services.product_save(product=obj)

    def delete_model(self, request, obj):
        services.product_delete(product=obj)

    def delete_queryset(self, request, queryset):
        for product in queryset:
            services.product_delete(product=product)

    def save_formset(self, request, form, formset, change):
        if formset.model is SKU:
            self._save_skus(form.instance, formset)
        elif formset.model is ProductImage:
            self._save_images(form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _save_skus(self, product, formset):
        new, changed, values_by_sku = [], [], {}
        for sku_form in formset.forms:
            data = getattr(sku_form, "cleaned_data", None)
            if not data or not sku_form.has_changed():
                continue
            fields = {name: data[name] for name in SKU_FIELDS}
            values = list(data.get("attribute_values") or [])
            if sku_form.instance.pk is None:
                new.append((fields, values))
                continue
            sku = services.sku_update(sku=sku_form.instance, **fields)
            if "attribute_values" in sku_form.changed_data:
                values_by_sku[sku] = values
            changed.append((sku, sku_form.changed_data))
        # Existing SKUs take their new values together (a swap is not a duplicate half way),
        # then new SKUs are checked against that end state.
        if values_by_sku:
            services.product_sku_values_set(product=product, values_by_sku=values_by_sku)
        created = [services.sku_create(product=product, attribute_values=values, **fields) for fields, values in new]
        # What the admin's change message and history read (normally set by formset.save()).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = created, changed, []

    def _save_images(self, product, formset):
        new, changed, deleted = [], [], []
        to_delete = formset.deleted_forms
        for image_form in formset.forms:
            data = getattr(image_form, "cleaned_data", None)
            if not data or not image_form.has_changed():
                continue
            image = image_form.instance
            if image_form in to_delete:
                if image.pk:
                    # The stored row: the form may have put a new, unsaved upload on the instance.
                    services.product_image_delete(image=ProductImage.objects.get(pk=image.pk))
                    deleted.append(image)
            elif image.pk is None:
                new.append(
                    services.product_image_add(
                        product=product, upload=data["image"], alt=data["alt"], position=data["position"]
                    )
                )
            else:
                if "image" in image_form.changed_data:
                    services.product_image_replace(image=image, upload=data["image"])
                services.product_image_update(image=image, alt=data["alt"], position=data["position"])
                changed.append((image, image_form.changed_data))
        formset.new_objects, formset.changed_objects, formset.deleted_objects = new, changed, deleted

    # Actions: state changes only here, through the services, one log entry per product.

    @admin.action(description=_("Publish selected products"), permissions=["change"])
    def publish(self, request, queryset):
        self._apply(request, queryset, services.product_publish, gettext("Published."))

    @admin.action(description=_("Unpublish selected products (back to draft)"), permissions=["change"])
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.product_unpublish, gettext("Unpublished."))

    @admin.action(description=_("Archive selected products"), permissions=["change"])
    def archive(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda *, product: services.product_unpublish(product=product, archive=True),
            gettext("Archived."),
        )

    def _apply(self, request, queryset, change, log_message: str):
        done = 0
        for product in queryset:
            try:
                change(product=product)
            except DomainError as exc:
                self.message_user(
                    request,
                    gettext("“%(product)s”: %(reason)s") % {"product": product, "reason": gettext(exc.detail)},
                    messages.ERROR,
                )
                continue
            self.log_change(request, product, log_message)
            done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d product: %(what)s", "%(count)d products: %(what)s", done)
                % {"count": done, "what": log_message},
                messages.SUCCESS,
            )


# --- Reviews ------------------------------------------------------------------------------


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    """Moderation: reviews are read here and approved or rejected by action, nothing else."""

    list_display = ("product", "user", "rating", "status", "created_at", "moderated_by")
    list_filter = ("status", "rating")
    search_fields = ("product__name", "user__email", "user__display_name", "title", "body")
    list_select_related = ("product", "user", "moderated_by")
    date_hierarchy = "created_at"
    fields = ("product", "user", "rating", "title", "body", "status", "moderated_by", "moderated_at", "created_at")
    readonly_fields = fields
    actions = ["approve", "reject"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # The list's actions need "change"; one review's page is read-only.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # reject instead: the rating is recomputed, the record stays

    @admin.action(description=_("Approve selected reviews"), permissions=["change"])
    def approve(self, request, queryset):
        self._moderate(request, queryset, approve=True)

    @admin.action(description=_("Reject selected reviews"), permissions=["change"])
    def reject(self, request, queryset):
        self._moderate(request, queryset, approve=False)

    def _moderate(self, request, queryset, *, approve: bool):
        count = 0
        for review in queryset:
            services.review_moderate(review=review, approve=approve, moderator=request.user)
            self.log_change(request, review, gettext("Approved.") if approve else gettext("Rejected."))
            count += 1
        message = (
            ngettext("%(count)d review approved.", "%(count)d reviews approved.", count)
            if approve
            else ngettext("%(count)d review rejected.", "%(count)d reviews rejected.", count)
        )
        self.message_user(request, message % {"count": count}, messages.SUCCESS)
