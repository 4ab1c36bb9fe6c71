from django.contrib.auth.models import Group


def test_operations_ship_and_customer_service_follow(db):
    def granted(role):
        return set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__app_label="shipping")
            .values_list("codename", flat=True)
        )

    assert granted("Operations") == {"add_shipment", "view_shipment", "view_trackingevent"}
    assert granted("Customer Service") == {"view_shipment", "view_trackingevent"}
    assert granted("Finance") == set()
