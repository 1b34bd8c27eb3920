"""Demo data for `make run`: an admin, one partner (with a staff login) per role, a tourist.

Runs the real domain code, in process, against the freshly provisioned stack, and writes the
credentials to .local/demo.json (git-ignored).
"""

from __future__ import annotations

import secrets
from typing import Any

DEMO_PARTNERS = {
    "scenic_spot": ("丹霞山景区 Danxia Mountain Scenic Area", "+8613900000101"),
    "hotel": ("丹霞绿色酒店 Danxia Green Hotel", "+8613900000102"),
    "transport_operator": ("丹霞环保游船 Danxia Eco Boats", "+8613900000103"),
    "manufacturer": ("岭南低碳日用品 Lingnan Low-Carbon Goods", "+8613900000104"),
    "merchant": ("碳惠联盟咖啡 Alliance Cafe", "+8613900000105"),
}
ADMIN_PHONE = "+8613900000001"
TOURIST_PHONE = "+8613800000001"
CONSENT_VERSION = "2026-11"


def demo_password() -> str:
    return "Th-" + secrets.token_urlsafe(9) + "7a"


def seed() -> dict[str, Any]:
    from tanhui.identity import cognito, service
    from tanhui.identity.schemas import RegisterIn
    from tanhui.partners import service as partners
    from tanhui.partners.schemas import PartnerIn, StaffIn

    admin_password = demo_password()
    admin_id = cognito.create_staff_user(
        ADMIN_PHONE,
        admin_password,
        {"phone_number": ADMIN_PHONE, "name": "Platform admin"},
        group="admin",
    )
    service.ensure_account(
        user_id=admin_id, phone=ADMIN_PHONE, display_name="Platform admin", role="admin"
    )
    demo: dict[str, Any] = {
        "admin": {"user_id": admin_id, "phone": ADMIN_PHONE, "password": admin_password},
        "partners": {},
    }
    for role, (name, phone) in DEMO_PARTNERS.items():
        partner = partners.create_partner(
            PartnerIn.model_validate({"name": name, "role": role, "contact": {"phone": phone}})
        )
        password = demo_password()
        staff = partners.create_staff(
            partner.partner_id,
            StaffIn(phone=phone, password=password, display_name=f"{role} staff"),
        )
        demo["partners"][role] = {
            "partner_id": partner.partner_id,
            "name": name,
            "login": {"user_id": staff.user_id, "phone": phone, "password": password},
        }
    tourist_password = demo_password()
    registered, _ = service.register(
        RegisterIn.model_validate(
            {
                "phone": TOURIST_PHONE,
                "password": tourist_password,
                "display_name": "小林 Xiao Lin",
                "consent": {"version": CONSENT_VERSION, "accepted": True},
            }
        )
    )
    demo["tourist"] = {
        "user_id": registered.user_id,
        "phone": TOURIST_PHONE,
        "password": tourist_password,
    }
    return demo
