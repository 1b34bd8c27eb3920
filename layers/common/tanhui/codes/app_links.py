"""The two files that let a phone with the Tanhui app open code URLs in the app (universal links on
iOS, app links on Android) and everyone else in the web app: built from the configured app ids
(template parameters IosAppIds, AndroidPackage, AndroidCertFingerprints). With none configured they
claim nothing, and every phone opens the web app (H5)."""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, ConfigDict

CODE_PATHS = ("/Q/*", "/01/*")  # the paths printed codes carry (token.parse_scanned)


class AppIds(BaseModel):
    model_config = ConfigDict(frozen=True)

    ios: tuple[str, ...] = ()
    android_package: str = ""
    android_fingerprints: tuple[str, ...] = ()


def _listed(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


@lru_cache(maxsize=1)
def configured() -> AppIds:
    env = os.environ
    return AppIds(
        ios=_listed(env.get("IOS_APP_IDS", "")),
        android_package=env.get("ANDROID_PACKAGE", "").strip(),
        android_fingerprints=_listed(env.get("ANDROID_CERT_FINGERPRINTS", "")),
    )


def apple_app_site_association(ids: AppIds) -> dict[str, Any]:
    """iOS 13+ reads `components`, older iOS `paths`; web credentials are not offered."""
    details = [
        {"appIDs": list(ids.ios), "components": [{"/": path} for path in CODE_PATHS]},
        *({"appID": app_id, "paths": list(CODE_PATHS)} for app_id in ids.ios),
    ] if ids.ios else []
    return {"applinks": {"apps": [], "details": details}}


def asset_links(ids: AppIds) -> list[dict[str, Any]]:
    if not (ids.android_package and ids.android_fingerprints):
        return []
    return [{
        "relation": ["delegate_permission/common.handle_all_urls"],
        "target": {
            "namespace": "android_app",
            "package_name": ids.android_package,
            "sha256_cert_fingerprints": [fp.upper() for fp in ids.android_fingerprints],
        },
    }]
