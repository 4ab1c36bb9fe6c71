"""The carriers staff can ship with. Names are marked for translation and translated where shown."""

import dataclasses

from apps.core.domain.exceptions import gettext_noop


@dataclasses.dataclass(frozen=True)
class Carrier:
    code: str  # in the webhook's URL and in the secrets setting
    name: str  # an English msgid; translate it where it is shown


CARRIERS: dict[str, Carrier] = {
    carrier.code: carrier
    for carrier in (
        Carrier("sf", gettext_noop("SF Express")),
        Carrier("zto", gettext_noop("ZTO Express")),
        Carrier("yto", gettext_noop("YTO Express")),
        Carrier("sto", gettext_noop("STO Express")),
        Carrier("yunda", gettext_noop("Yunda Express")),
        Carrier("jd", gettext_noop("JD Logistics")),
        Carrier("ems", gettext_noop("China Post EMS")),
    )
}


def carrier_name(code: str) -> str:
    """The carrier's (untranslated) name, or the code itself for one since retired."""
    carrier = CARRIERS.get(code)
    return carrier.name if carrier else code
