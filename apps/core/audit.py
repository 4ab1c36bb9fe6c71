"""Every staff change recorded in Django's admin log also goes to the business log.

The admin writes a LogEntry for each add, change and delete, and the shop's admin
actions call `log_change` too; one receiver here puts each of them in the business log
with the staff user, whatever app it happened in.
"""

from django.contrib.admin.models import LogEntry
from django.db.models.signals import post_save
from django.dispatch import receiver

from apps.core.observability import business_log

_ACTIONS = {1: "add", 2: "change", 3: "delete"}


@receiver(post_save, sender=LogEntry, dispatch_uid="core.audit.admin_log_entry")
def admin_log_entry(sender, instance: LogEntry, created: bool, **kwargs) -> None:
    if not created:
        return
    business_log(
        "staff_action",
        staff_user_id=instance.user_id,
        action=_ACTIONS.get(instance.action_flag, str(instance.action_flag)),
        model=f"{instance.content_type.app_label}.{instance.content_type.model}" if instance.content_type_id else "",
        object_id=instance.object_id,
        object=instance.object_repr,
        change_message=instance.get_change_message(),
    )
