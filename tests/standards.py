"""The published standards the exports are held to, read from ../shared/standards/, and the rules
their readers apply (Meeting Guide readers' in-person/online/hybrid/inactive decision).

Outside CI a missing folder skips with a reason; with CI=true it fails (support.missing).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft202012Validator

from .support import PROJECT_ROOT, missing

STANDARDS = PROJECT_ROOT.parent / "shared" / "standards"
HSDS_BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"


def standards_path(*parts: str) -> Path:
    path = STANDARDS.joinpath(*parts)
    if not path.exists():
        missing(f"standards reference material not found at ../shared/standards/{'/'.join(parts)}")
    return path


def read_json(*parts: str) -> Any:
    return json.loads(standards_path(*parts).read_text(encoding="utf-8"))


# Meeting Guide ---------------------------------------------------------------------------------------


def meeting_guide_validator() -> Draft202012Validator:
    schema = read_json("meeting-guide", "meeting-guide.schema.json")
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def spec_types() -> set[str]:
    return set(read_json("meeting-guide", "spec", "types.json"))


def conference_providers() -> dict[str, str]:
    return read_json("meeting-guide", "tsml", "conference-providers.json")["conference_providers"]


def _known_provider(url: str | None, providers: dict[str, str]) -> bool:
    if not url:
        return False
    host = (urlsplit(url).hostname or "").lower()
    return any(host == domain or host.endswith("." + domain) for domain in providers)


def tsml_attendance(meeting: dict[str, Any], providers: dict[str, str]) -> str:
    """How TSML UI (and the TSML plugin) classify a feed entry, from its fields alone.

    Online: a conference_url on a known provider, or a conference_phone. In person: a specific place,
    which is `approximate: "no"`, or coordinates, or, with neither, a formatted address that names a
    street (four comma-separated parts, "123 Main St, Town, ST 12345, USA"); and not temporarily
    closed (TC). Both: hybrid. Neither: inactive.
    """
    online = _known_provider(meeting.get("conference_url"), providers) or bool(
        meeting.get("conference_phone")
    )
    if "approximate" in meeting:
        approximate = meeting["approximate"] == "yes"
    elif meeting.get("latitude") is not None and meeting.get("longitude") is not None:
        approximate = False
    elif meeting.get("address"):
        approximate = False
    else:
        approximate = (
            len([part for part in (meeting.get("formatted_address") or "").split(",") if part.strip()]) < 4
        )
    in_person = not approximate and "TC" not in (meeting.get("types") or [])
    if online:
        return "hybrid" if in_person else "online"
    return "in_person" if in_person else "inactive"


# HSDS 3.0 ----------------------------------------------------------------------------------------------


@cache
def _hsds_registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    folder = standards_path("hsds-3.0", "schema")
    resources = []
    for path in [*folder.glob("*.json"), *folder.glob("compiled/*.json")]:
        if path.name == "openapi.json":
            continue
        relative = path.relative_to(folder).as_posix()
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append(
            (HSDS_BASE + relative, Resource.from_contents(contents, default_specification=DRAFT202012))
        )
    return Registry().with_resources(resources)


def hsds_validator(schema: str) -> Draft202012Validator:
    """A validator for one HSDS schema ("service.json", "compiled/service_list.json"), references resolved."""
    standards_path("hsds-3.0", "schema", schema)
    return Draft202012Validator(
        {"$ref": HSDS_BASE + schema},
        registry=_hsds_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors_of(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(instance)
    ]
