"""Demo data for `make run`: an admin, partners (with a staff login each) of every role — and one
for every role that sends files: a utility, a property manager, a recycler, a transit company and
a shop selling the manufacturer's product by its GTIN —, a tourist,
one asset of each kind with its codes (URLs in demo.json, PNG/SVG images next to it), and an
alliance offer of the demo merchant that a tourist's demo hotel night pays for.

Runs the real domain code, in process, against the freshly provisioned stack, and writes the
credentials to .local/demo.json (git-ignored).
"""

from __future__ import annotations

import secrets
from typing import Any

# demo key -> (name, staff phone, role); the first five keys are their roles
DEMO_PARTNERS = {
    "scenic_spot": ("丹霞山景区 Danxia Mountain Scenic Area", "+8613900000101", "scenic_spot"),
    "hotel": ("丹霞绿色酒店 Danxia Green Hotel", "+8613900000102", "hotel"),
    "transport_operator": ("丹霞环保游船 Danxia Eco Boats", "+8613900000103", "transport_operator"),
    "manufacturer": ("岭南低碳日用品 Lingnan Low-Carbon Goods", "+8613900000104", "manufacturer"),
    "merchant": ("碳惠联盟咖啡 Alliance Cafe", "+8613900000105", "merchant"),
    "utility": ("韶关供水 Shaoguan Water Supply", "+8613900000106", "utility"),
    "property_manager": ("丹霞花园物业 Danxia Garden Estate", "+8613900000107", "property_manager"),
    "recycler": ("绿箱回收 Green Box Recycling", "+8613900000108", "recycler"),
    "transit": ("韶关公交 Shaoguan Bus", "+8613900000109", "transport_operator"),
    "shop": ("丹霞生活超市 Danxia Mart", "+8613900000110", "merchant"),
}
ADMIN_PHONE = "+8613900000001"
REGULATOR_PHONE = "+8613900000002"
TOURIST_PHONE = "+8613800000001"
CONSENT_VERSION = "2026-11"


def demo_password() -> str:
    return "Th-" + secrets.token_urlsafe(9) + "7a"


def seed() -> dict[str, Any]:
    from tanhui.identity import cognito, users
    from tanhui.identity.schemas import RegisterIn
    from tanhui.partners import registry as partners
    from tanhui.partners.schemas import PartnerIn, StaffIn

    admin_password = demo_password()
    admin_id = cognito.create_staff_user(
        ADMIN_PHONE,
        admin_password,
        {"phone_number": ADMIN_PHONE, "name": "Platform admin"},
        group="admin",
    )
    users.ensure_account(user_id=admin_id, phone=ADMIN_PHONE, display_name="Platform admin", role="admin")
    demo: dict[str, Any] = {
        "admin": {"user_id": admin_id, "phone": ADMIN_PHONE, "password": admin_password},
        "regulator": seed_regulator(),
        "partners": {},
    }
    for key, (name, phone, role) in DEMO_PARTNERS.items():
        partner = partners.create_partner(
            PartnerIn.model_validate({"name": name, "role": role, "contact": {"phone": phone}})
        )
        password = demo_password()
        staff = partners.create_staff(
            partner.partner_id,
            StaffIn(phone=phone, password=password, display_name=f"{key} staff"),
        )
        demo["partners"][key] = {
            "partner_id": partner.partner_id,
            "name": name,
            "role": role,
            "login": {"user_id": staff.user_id, "phone": phone, "password": password},
        }
    tourist_password = demo_password()
    registered, _ = users.register(
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
    from tanhui.claims import factors

    demo["factors"] = factors.seed_defaults()
    demo["assets"] = seed_assets({role: p["partner_id"] for role, p in demo["partners"].items()})
    demo["offer"] = seed_offer(demo["partners"]["merchant"]["partner_id"])
    demo["buyback"] = seed_buyback(admin_id)
    return demo


DEMO_OFFER = {
    "title": "低碳拿铁一杯 A low-carbon latte",
    "description": "燕麦奶拿铁，自带杯再减塑。An oat-milk latte at the café by the Danxia visitor centre; "
    "bring your own cup.",
    "coins_cost": 2,  # the demo hotel night earns 2
    "stock": 1000,
    "valid_from": "2026-01-01T00:00:00Z",
    "valid_until": "2099-01-01T00:00:00Z",
    "voucher_valid_days": 30,
}


def seed_offer(merchant_id: str) -> dict[str, Any]:
    """The demo merchant's alliance offer, through the same domain code the API uses."""
    from tanhui.spending import offers
    from tanhui.spending.schemas import OfferIn

    offer = offers.create(merchant_id, OfferIn.model_validate(DEMO_OFFER))
    return {"offer_id": offer.offer_id, "title": offer.title, "coins_cost": offer.coins_cost}


def seed_regulator() -> dict[str, Any]:
    """A regulator's login (监管: read-only; the group `regulator`)."""
    from tanhui.identity import cognito, users

    password = demo_password()
    name = "监管 Regulator"
    attributes = {"phone_number": REGULATOR_PHONE, "name": name}
    user_id = cognito.create_staff_user(REGULATOR_PHONE, password, attributes, group="regulator")
    users.ensure_account(user_id=user_id, phone=REGULATOR_PHONE, display_name=name, role="regulator")
    return {"user_id": user_id, "phone": REGULATOR_PHONE, "password": password}


def seed_buyback(admin_id: str) -> dict[str, Any]:
    """One open government buyback round (政府回购) for a year, buying the coins of the demo's
    hotel nights, tickets and boat rides at 5 fen a coin."""
    from datetime import UTC, datetime, timedelta

    from tanhui.buyback import rounds
    from tanhui.buyback.schemas import BuybackRoundIn

    now = datetime.now(UTC)
    made = rounds.create_round(BuybackRoundIn.model_validate({
        "title_zh": "丹霞碳普惠回购 2026", "title_en": "Danxia carbon-coin buyback 2026",
        "price_fen": 5, "budget_fen": 1_000_000,
        "opens_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "closes_at": (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "behaviours": ["hotel_low_carbon_night", "ticket_non_disposable", "eco_vehicle_ride"],
    }), admin_id)
    return {"round_id": made.round_id, "title_zh": made.title_zh, "price_fen": made.price_fen}


DEMO_ASSETS = {
    "scenic_spot": {"kind": "ticket_product", "attributes": {"name": "丹霞山年卡 Annual pass"}},
    "hotel": {"kind": "hotel_room", "attributes": {"room_number": "1208"}},
    "transport_operator": {
        "kind": "vehicle",
        "attributes": {"vehicle_type": "boat", "plate": "锦江 07 Jinjiang", "route_km": 8.4},
    },
    "manufacturer": {
        "kind": "product_sku",
        "attributes": {
            "sku": "BAMBOO-CUP-350",
            "product_name": "竹纤维水杯 Bamboo cup",
            "gtin": "6901234567892",
        },
    },
}
DEMO_SINGLE_USE_CODES = 3


def seed_assets(partner_ids: dict[str, str]) -> dict[str, Any]:
    """One asset of each kind, through the same domain code the API uses."""
    from pydantic import TypeAdapter
    from tanhui.codes import assets, issuing
    from tanhui.codes.schemas import AssetIn, CodesIn

    asset_in = TypeAdapter(AssetIn)  # a union discriminated on `kind`

    out: dict[str, Any] = {}
    for role, body in DEMO_ASSETS.items():
        partner_id = partner_ids[role]
        asset = assets.create(partner_id, asset_in.validate_python(body))
        count = DEMO_SINGLE_USE_CODES if body["kind"] in ("ticket_product", "product_sku") else 1
        codes = issuing.create_codes(partner_id, CodesIn(asset_id=asset.asset_id, count=count))
        out[asset.kind] = {
            "partner_role": role,
            "asset_id": asset.asset_id,
            "name": asset.name,
            "batch_id": codes.batch_id,
            "codes": [{"code_id": c.code_id, "url": c.url, "short": c.short} for c in codes.codes],
        }
    return out


def write_images(demo_assets: dict[str, Any], folder: Any) -> list[str]:
    """PNG and SVG of every demo code, named <asset kind>-<n>.png|svg."""
    from tanhui.codes import render

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for kind, asset in demo_assets.items():
        for n, code in enumerate(asset["codes"], start=1):
            for ext, draw in (("png", render.png), ("svg", render.svg)):
                path = folder / f"{kind}-{n}.{ext}"
                path.write_bytes(draw(code["url"]))
                written.append(str(path))
    return written


# demo.env: what the README's shell blocks `source`, one variable a line
ENV_LOGINS = {
    "SPOT": "scenic_spot", "HOTEL": "hotel", "BOAT": "transport_operator",
    "MAKER": "manufacturer", "CAFE": "merchant", "WATER": "utility", "ESTATE": "property_manager",
    "RECYCLER": "recycler", "BUS": "transit", "SHOP": "shop",
}
ENV_ASSETS = {"TICKET_PRODUCT": "ticket_product", "ROOM": "hotel_room", "VEHICLE": "vehicle",
              "PRODUCT_SKU": "product_sku"}


def shell_env(demo: dict[str, Any]) -> str:
    """demo.json as shell variables: API, the upload bucket, <WHO>_PHONE/_PASSWORD (partners also
    <WHO>_PARTNER_ID), asset ids and a code URL each, the merchant's OFFER (a state seeded before
    offers has none)."""
    import shlex

    values = {"API": demo["api"], "AWS_ENDPOINT": demo["aws_endpoint"],
              "UPLOAD_BUCKET": demo.get("upload_bucket", "")}
    logins = {"ADMIN": demo["admin"], "TOURIST": demo["tourist"]}
    if "regulator" in demo:  # a state seeded before the regulator has none
        logins["REGULATOR"] = demo["regulator"]
    seeded = demo["partners"]
    logins |= {name: seeded[key]["login"] for name, key in ENV_LOGINS.items() if key in seeded}
    for name, login in logins.items():
        values[f"{name}_PHONE"], values[f"{name}_PASSWORD"] = login["phone"], login["password"]
    for name, key in ENV_LOGINS.items():
        if key in demo["partners"]:  # a state seeded before the file-sending partners has fewer
            values[f"{name}_PARTNER_ID"] = demo["partners"][key]["partner_id"]
    for name, kind in ENV_ASSETS.items():
        values[name] = demo["assets"][kind]["asset_id"]
        values[f"{name}_CODE_URL"] = demo["assets"][kind]["codes"][0]["url"]
    if "offer" in demo:
        values["OFFER"] = demo["offer"]["offer_id"]
    lines = [f"{name}={shlex.quote(value)}" for name, value in values.items()]
    header = "# written by `make run` from demo.json: source it in a shell (the README walkthrough does)"
    return "\n".join([header, *lines]) + "\n"
