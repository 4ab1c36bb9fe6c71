from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from apps.reports.domain.periods import MAX_RANGE_DAYS, Period, default_range


class DateRangeForm(forms.Form):
    """The dashboard's date range (GET). Empty means the last 30 days; `period()` is only
    for a valid form."""

    start = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, today, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        default = default_range(today=self.today)
        span = default.end - default.start
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is None and end is None:
            start, end = default.start, default.end
        elif start is None:  # the 30 days up to `end` (date.min at the earliest)
            start = end - span if end - date.min > span else date.min
        elif end is None:  # 30 days from `start`, not beyond today
            end = min(start + span, self.today) if start < self.today else start
        if start > end:
            raise forms.ValidationError(_("The start date must not be after the end date."), code="reversed")
        if (end - start).days + 1 > MAX_RANGE_DAYS:
            raise forms.ValidationError(_("Pick at most %(days)d days.") % {"days": MAX_RANGE_DAYS}, code="too_long")
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self) -> Period:
        return Period("range", self.cleaned_data["start"], self.cleaned_data["end"])
