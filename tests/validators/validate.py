"""Validates a deputy-audit OCSF or ASFF report against the published schema/model.

    python validate.py ocsf REPORT.json   # every event a py-ocsf-models DetectionFinding
    python validate.py asff REPORT.json   # the array as BatchImportFindings' Findings

Prints one line per problem and exits 1 when there is any; prints `ok N` and exits 0
otherwise. Run with the venv scripts/validators.sh prints (pinned packages).
"""

import json
import re
import sys
import typing


def ocsf(events):
    import pydantic
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding

    problems = []
    if not isinstance(events, list):
        return ["the OCSF report is not a JSON array"]
    for i, event in enumerate(events):
        try:
            DetectionFinding.model_validate(event)
        except pydantic.ValidationError as e:
            problems.append(f"[{i}] {e}")
        # pydantic ignores members a model does not define: a misspelt attribute
        # would pass. Every member must be one the schema names.
        problems += [f"[{i}]{p}" for p in unknown_members(DetectionFinding, event, "")]
        if event.get("class_uid") != 2004:
            problems.append(f"[{i}] class_uid {event.get('class_uid')!r} is not 2004")
        if event.get("type_uid") != 2004 * 100 + event.get("activity_id", -1):
            problems.append(f"[{i}] type_uid is not class_uid * 100 + activity_id")
    return problems


def model_types(annotation):
    """The pydantic models an annotation (Optional[list[X]], ...) holds, and whether a list."""
    import pydantic

    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        return [annotation]
    found = []
    for arg in typing.get_args(annotation) if origin is not None else []:
        found += model_types(arg)
    return found


def unknown_members(model, value, path):
    problems = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            problems += unknown_members(model, item, f"{path}[{i}]")
        return problems
    if not isinstance(value, dict):
        return problems
    fields = model.model_fields
    for key, member in value.items():
        if key not in fields:
            problems.append(f" {path}.{key}: not an attribute of {model.__name__}")
            continue
        for nested in model_types(fields[key].annotation):
            problems += unknown_members(nested, member, f"{path}.{key}")
    return problems


def asff(findings):
    from botocore.loaders import Loader
    from botocore.model import ServiceModel
    from botocore.validate import ParamValidator

    model = ServiceModel(Loader().load_service_model("securityhub", "service-2"), "securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    params = {"Findings": findings}
    problems = []
    # Required members, types, unknown members, minimum lengths: botocore's own checks,
    # the ones the CLI runs before sending.
    report = ParamValidator().validate(params, shape)
    if report.has_errors():
        problems.append(report.generate_report())
    # What the model says and botocore does not check: enums, maximum lengths, ranges,
    # patterns (NonEmptyString's `.*\\S.*`).
    problems += constraints(shape, params, "")
    # Limits Security Hub documents for ASFF but the model does not carry
    # (https://docs.aws.amazon.com/securityhub/latest/userguide/asff-required-attributes.html
    # and asff-top-level-attributes.html).
    for i, f in enumerate(findings if isinstance(findings, list) else []):
        for member, limit in DOCUMENTED_MAX.items():
            value = f
            for key in member.split("."):
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, (str, list, dict)) and len(value) > limit:
                problems.append(f".Findings[{i}].{member}: length {len(value)} is over the documented {limit}")
        for key, value in (f.get("ProductFields") or {}).items():
            if len(key) > 128 or len(value) > 2048:
                problems.append(f".Findings[{i}].ProductFields[{key!r}]: over 128/2048 characters")
    # BatchImportFindings takes at most 100 findings per call; a larger report is split by
    # whoever imports it (README), so the file itself may hold more.
    return problems


DOCUMENTED_MAX = {
    "Id": 512,
    "Title": 256,
    "Description": 1024,
    "Remediation.Recommendation.Text": 512,
    "Note.Text": 512,
    "Types": 50,
    "Resources": 32,
    "ProductFields": 50,
}


def constraints(shape, value, path):
    problems = []
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                problems += constraints(shape.members[key], member, f"{path}.{key}")
    elif kind == "list" and isinstance(value, list):
        problems += length(shape, len(value), path)
        for i, item in enumerate(value):
            problems += constraints(shape.member, item, f"{path}[{i}]")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            problems += constraints(shape.key, key, f"{path} key {key!r}")
            problems += constraints(shape.value, item, f"{path}[{key!r}]")
    elif kind == "string" and isinstance(value, str):
        problems += length(shape, len(value), path)
        enum = shape.enum
        if enum and value not in enum:
            problems.append(f"{path}: {value!r} is not one of {enum}")
        pattern = shape.metadata.get("pattern")
        if pattern and not re.search(pattern, value, re.DOTALL):
            problems.append(f"{path}: {value!r} does not match {pattern!r}")
    elif kind in ("integer", "long", "double", "float") and isinstance(value, (int, float)):
        meta = shape.metadata
        if "min" in meta and value < meta["min"] or "max" in meta and value > meta["max"]:
            problems.append(f"{path}: {value} is outside [{meta.get('min')}, {meta.get('max')}]")
    return problems


def length(shape, n, path):
    meta = shape.metadata
    if "min" in meta and n < meta["min"]:
        return [f"{path}: length {n} is under the minimum {meta['min']}"]
    if "max" in meta and n > meta["max"]:
        return [f"{path}: length {n} is over the maximum {meta['max']}"]
    return []


def main():
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    problems = {"ocsf": ocsf, "asff": asff}[kind](doc)
    for p in problems:
        print(p)
    if problems:
        sys.exit(1)
    print(f"ok {len(doc)}")


if __name__ == "__main__":
    main()
