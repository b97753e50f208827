"""shapes: does one raw AWS answer have the shape its botocore model says?

Each check takes an operation model (botocore.model.OperationModel), the raw
answer (status, headers, body bytes) and a Findings to report into. A problem
is a difference from the model a client could trip on; a warning is one only
a strict client would notice (an enum value the model does not list, a
status the model does not pin down). The rules are botocore's own parsers'
(parsers.py), made strict: botocore drops what it does not know, these name it.
"""

import base64
import binascii
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

# What the simulator answers for an operation or service it does not serve:
# JSON and REST protocols, and the Query protocol.
NOT_SERVED = {"UnknownOperationException", "InvalidAction"}

# Errors any AWS API may answer without listing them per operation ("Common
# Errors" in each API reference), by protocol family.
COMMON_JSON_ERRORS = {
    "AccessDeniedException", "ExpiredTokenException", "IncompleteSignature", "InternalFailure",
    "InternalServerError", "InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination",
    "InvalidParameterValue", "InvalidQueryParameter", "InvalidSignatureException", "MalformedQueryString",
    "MissingAction", "MissingAuthenticationToken", "MissingParameter", "NotAuthorized", "OptInRequired",
    "RequestExpired", "RequestEntityTooLarge", "SerializationException", "ServiceUnavailable",
    "ThrottlingException", "UnknownOperationException", "UnrecognizedClientException",
    "ValidationError", "ValidationException",
}
COMMON_QUERY_ERRORS = {
    "AccessDenied", "AccessDeniedException", "ExpiredToken", "IncompleteSignature", "InternalFailure",
    "InvalidAction", "InvalidClientTokenId", "InvalidParameterCombination", "InvalidParameterValue",
    "InvalidQueryParameter", "MalformedQueryString", "MissingAction", "MissingAuthenticationToken",
    "MissingParameter", "NotAuthorized", "OptInRequired", "RequestExpired", "ServiceUnavailable",
    "SignatureDoesNotMatch", "Throttling", "ThrottlingException", "ValidationError",
}

ISO8601_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$")
RFC822_RE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")
INTEGER_RE = re.compile(r"^-?\d+$")


@dataclass
class Raw:
    """Raw is one HTTP answer as botocore received it, before parsing."""

    status: int
    headers: dict
    body: bytes


class Findings:
    """Findings collects the problems (the answer differs from the model) and
    warnings (it may, or only a strict client would notice) of one answer."""

    def __init__(self):
        self.problems, self.warnings = [], []
        self.wrong_namespace = False

    def problem(self, path, msg):
        self.problems.append(f"{path or '(body)'}: {msg}")

    def warn(self, path, msg):
        self.warnings.append(f"{path or '(body)'}: {msg}")


def sent(v):
    """sent describes a JSON value the way a reader of the report needs it."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return f"boolean {str(v).lower()}"
    if isinstance(v, (int, float)):
        return f"number {v!r}"
    if isinstance(v, str):
        s = v if len(v) <= 50 else v[:47] + "..."
        return f"string {json.dumps(s)}"
    if isinstance(v, list):
        return "an array"
    return "an object"


def text_of(s):
    if s is None:
        return "nothing"
    return json.dumps(s if len(s) <= 50 else s[:47] + "...")


def wire_name(member_name, member_shape):
    return member_shape.serialization.get("name", member_name)


def timestamp_format(shape, protocol):
    fmt = shape.serialization.get("timestampFormat")
    if fmt:
        return fmt
    return "iso8601" if protocol in ("query", "rest-xml", "ec2") else "unixTimestamp"


def join(path, key):
    return f"{path}.{key}" if path else key


# --- JSON (json and rest-json protocols) ---


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    dup = {k for k in keys if keys.count(k) > 1}
    obj = dict(pairs)
    if dup:
        obj["\x00duplicate keys"] = sorted(dup)
    return obj


def check_length(n, shape, path, unit, f):
    """A length outside the model's min/max is a warning: AWS's own answers
    keep to it, but few clients check."""
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if lo is not None and n < lo:
        f.warn(path, f"{n} {unit}; the model's {shape.name} has min {lo}")
    if hi is not None and n > hi:
        f.warn(path, f"{n} {unit}; the model's {shape.name} has max {hi}")


def check_json_value(v, shape, path, protocol, f):
    if v is None:
        f.problem(path, f"null; the model's {shape.type_name} {shape.name} is never null (leave the member out)")
        return
    t = shape.type_name
    if t == "structure" and shape.is_document_type:
        return
    if t == "structure":
        if not isinstance(v, dict):
            f.problem(path, f"model says structure {shape.name} (a JSON object), simulator sent {sent(v)}")
            return
        check_json_structure(v, shape, path, protocol, f)
    elif t == "list":
        if not isinstance(v, list):
            f.problem(path, f"model says list {shape.name} (a JSON array), simulator sent {sent(v)}")
            return
        check_length(len(v), shape, path, "items", f)
        for i, item in enumerate(v):
            check_json_value(item, shape.member, f"{path}[{i}]", protocol, f)
    elif t == "map":
        if not isinstance(v, dict):
            f.problem(path, f"model says map {shape.name} (a JSON object), simulator sent {sent(v)}")
            return
        for k, item in v.items():
            if k == "\x00duplicate keys":
                f.problem(path, f"keys sent twice: {', '.join(item)}")
                continue
            if shape.key.enum and k not in shape.key.enum:
                f.warn(f"{path}[{k}]", f"map key {k!r} is not one of the model's {shape.key.name} values")
            check_json_value(item, shape.value, f"{path}[{k}]", protocol, f)
    elif t == "string":
        if not isinstance(v, str):
            f.problem(path, f"model says string ({shape.name}), simulator sent {sent(v)}")
        elif shape.enum and v not in shape.enum:
            f.warn(path, f"{v!r} is not one of the model's {shape.name} values ({', '.join(shape.enum[:8])}{', ...' if len(shape.enum) > 8 else ''})")
        else:
            check_length(len(v), shape, path, "characters", f)
    elif t in ("integer", "long", "short", "byte"):
        if isinstance(v, bool) or not isinstance(v, int):
            f.problem(path, f"model says {t} ({shape.name}, a JSON integer), simulator sent {sent(v)}")
    elif t in ("float", "double"):
        if isinstance(v, bool) or not (isinstance(v, (int, float)) or v in ("NaN", "Infinity", "-Infinity")):
            f.problem(path, f"model says {t} ({shape.name}, a JSON number), simulator sent {sent(v)}")
    elif t == "boolean":
        if not isinstance(v, bool):
            f.problem(path, f"model says boolean ({shape.name}), simulator sent {sent(v)}")
    elif t == "timestamp":
        fmt = timestamp_format(shape, protocol)
        if fmt == "unixTimestamp":
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                f.problem(path, f"model says timestamp ({shape.name}) as epoch seconds, a JSON number; simulator sent {sent(v)}")
        elif fmt == "iso8601":
            if not isinstance(v, str) or not ISO8601_RE.match(v):
                f.problem(path, f"model says timestamp ({shape.name}) in timestampFormat iso8601, a string like \"2025-10-24T09:00:00Z\"; simulator sent {sent(v)}")
        elif fmt == "rfc822":
            if not isinstance(v, str) or not RFC822_RE.match(v):
                f.problem(path, f"model says timestamp ({shape.name}) in timestampFormat rfc822; simulator sent {sent(v)}")
    elif t == "blob":
        if not isinstance(v, str):
            f.problem(path, f"model says blob ({shape.name}, a base64 string), simulator sent {sent(v)}")
        else:
            try:
                base64.b64decode(v, validate=True)
            except (binascii.Error, ValueError):
                f.problem(path, f"model says blob ({shape.name}), base64; simulator sent {sent(v)}, not base64")
    else:
        f.warn(path, f"the checker does not know the model type {t!r} of {shape.name}")


def check_json_structure(obj, shape, path, protocol, f, body_members=None, ignore_required=()):
    """Checks a JSON object against a structure shape. body_members limits the
    members to those a REST answer carries in its body; ignore_required are
    required members checked elsewhere (an error's message)."""
    members = body_members if body_members is not None else dict(shape.members)
    by_wire = {wire_name(n, m): (n, m) for n, m in members.items()}
    for key, v in obj.items():
        if key == "\x00duplicate keys":
            f.problem(path, f"keys sent twice: {', '.join(v)}")
            continue
        if key not in by_wire:
            f.problem(join(path, key), f"not a member of {shape.name} (its members: {', '.join(by_wire) or 'none'})")
            continue
        check_json_value(v, by_wire[key][1], join(path, key), protocol, f)
    for name in shape.required_members:
        m = members.get(name)
        if m is None or name in ignore_required:
            continue  # a header or status member of a REST answer
        if wire_name(name, m) not in obj:
            f.problem(join(path, wire_name(name, m)), f"missing; the model's {shape.name} requires it")
    if shape.is_tagged_union:
        set_members = [k for k in obj if k in by_wire]
        if len(set_members) > 1:
            f.problem(path, f"{shape.name} is a union, exactly one member is set; simulator set {', '.join(set_members)}")


def parse_json_body(raw, f):
    if not raw.body.strip():
        return {}
    try:
        return json.loads(raw.body, object_pairs_hook=no_duplicates, parse_constant=lambda c: c)
    except ValueError as e:
        f.problem("", f"not JSON ({e}): {raw.body[:80]!r}")
        return None


def check_json_answer(op, raw, f):
    protocol = op.service_model.protocol
    want_type = ("application/x-amz-json-" + op.service_model.metadata.get("jsonVersion", "1.0")) if protocol == "json" else "application/json"
    got_type = raw.headers.get("content-type", "")
    if protocol == "json" and not got_type.startswith(want_type):
        f.warn("Content-Type", f"model's jsonVersion means {want_type}, simulator sent {got_type!r}")
    if not raw.headers.get("x-amzn-requestid"):
        f.warn("x-amzn-RequestId", "no request id header")
    if protocol == "rest-json":
        want = op.http.get("responseCode", 200)
        if raw.status != want:
            f.problem("HTTP status", f"model's responseCode is {want}, simulator answered {raw.status}")
    body = parse_json_body(raw, f)
    if body is None:
        return
    shape = op.output_shape
    if shape is None:
        if body:
            f.problem("", f"the operation has no output, simulator sent keys {', '.join(body)}")
        return
    if not isinstance(body, dict):
        f.problem("", f"model says structure {shape.name} (a JSON object), simulator sent {sent(body)}")
        return
    if not raw.body.strip() and shape.members:
        f.warn("", "empty body; AWS sends at least {}")
    if protocol == "rest-json":
        payload = shape.serialization.get("payload")
        if payload:
            check_json_value(body, shape.members[payload], payload, protocol, f)
            return
        in_body = {n: m for n, m in shape.members.items() if not m.serialization.get("location")}
        check_json_structure(body, shape, "", protocol, f, body_members=in_body)
        return
    check_json_structure(body, shape, "", protocol, f)


def error_shapes(op):
    """error_shapes maps each code the operation may answer (the shape's name
    and, for Query-compatible services, its modeled code) to the shape."""
    out = {}
    for e in op.error_shapes:
        out[e.name] = e
        if e.error_code:
            out[e.error_code] = e
    return out


def check_status(code, shape, status, f):
    modeled = (shape.metadata.get("error") or {}).get("httpStatusCode")
    if modeled is not None:
        if status != modeled:
            f.problem("HTTP status", f"model's {code} has httpStatusCode {modeled}, simulator answered {status}")
    elif status != 400 and status < 500:
        f.warn("HTTP status", f"{code} has no httpStatusCode in the model (400 for a client error), simulator answered {status}")


def check_json_error(op, raw, f, query_model=None):
    """Returns the error code the answer names."""
    protocol = op.service_model.protocol
    body = parse_json_body(raw, f)
    if body is None:
        return "?"
    if not isinstance(body, dict):
        f.problem("", f"an error body is a JSON object, simulator sent {sent(body)}")
        return "?"
    header = raw.headers.get("x-amzn-errortype", "")
    typ = body.get("__type")
    raw_code = header if (protocol == "rest-json" and header) else (typ or header)
    if not raw_code:
        f.problem("__type", "an error answer names its code in __type or X-Amzn-Errortype; the simulator sent neither")
        return "?"
    code = raw_code.split(":", 1)[0].rsplit("#", 1)[-1]
    if code in NOT_SERVED:
        return code
    if typ is not None and not isinstance(typ, str):
        f.problem("__type", f"a string, simulator sent {sent(typ)}")
    if header and typ and header.split(":", 1)[0].rsplit("#", 1)[-1] != code:
        f.problem("X-Amzn-Errortype", f"names {header!r} but __type names {typ!r}")
    known = error_shapes(op)
    shape = known.get(code)
    if shape is None:
        if code not in COMMON_JSON_ERRORS:
            f.problem("__type", f"{code} is not an error of {op.name} ({', '.join(sorted(e.name for e in op.error_shapes)) or 'none modeled'}) nor a common AWS error")
        for k, v in body.items():
            if k not in ("__type", "message", "Message"):
                f.warn(k, f"a common error {code} carries only a message; simulator sent {k}")
        return code
    check_status(code, shape, raw.status, f)
    # The message may come as "message" or "Message" whatever the model names
    # it: every SDK reads both.
    messages = {k for k in body if k.lower() == "message"}
    fields = {k: v for k, v in body.items() if k not in messages and k != "__type"}
    message_members = {n for n in shape.members if n.lower() == "message"}
    check_json_structure(fields, shape, "", protocol, f, ignore_required=message_members)
    for k in messages:
        if body[k] is None:
            f.problem(k, "null; leave the member out")
        elif not isinstance(body[k], str):
            f.problem(k, f"a string, simulator sent {sent(body[k])}")
    for name in message_members & set(shape.required_members):
        if not messages:
            f.problem(name, f"missing; the model's {shape.name} requires it")
    query_header = raw.headers.get("x-amzn-query-error")
    if query_model is not None:
        # SQS over JSON keeps its Query error codes in x-amzn-query-error,
        # which SDKs map to the Query-era code; the Query model has them.
        qshape = query_model.shape_for(shape.name) if shape.name in query_model.shape_names else None
        qcode = qshape.error_code if qshape is not None else None
        if qcode and qcode != shape.name:
            if not query_header:
                f.problem("x-amzn-query-error", f"missing; SQS answers {shape.name} with \"{qcode};Sender\" (the Query model's code)")
            elif query_header.split(";")[0] != qcode:
                f.problem("x-amzn-query-error", f"the Query model's code for {shape.name} is {qcode}, simulator sent {query_header!r}")
    return code


# --- XML (the Query protocol) ---


def local(tag):
    return tag.rsplit("}", 1)[-1]


def ns_of(tag):
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def member_key_name(member_name, member_shape):
    """As botocore's XML parser names a structure's member element: a
    flattened list takes its member's locationName."""
    s = member_shape
    if s.type_name == "list" and s.serialization.get("flattened"):
        n = s.member.serialization.get("name")
        if n:
            return n
    return s.serialization.get("name", member_name)


def check_namespace(el, ns, path, f):
    # Reported once per answer: children inherit the root's namespace.
    if ns_of(el.tag) != ns and not f.wrong_namespace:
        f.wrong_namespace = True
        f.problem(path, f"element in namespace {ns_of(el.tag)!r}, the model's xmlNamespace is {ns!r}")


def check_xml_scalar(el, shape, path, protocol, f):
    if len(el):
        f.problem(path, f"model says {shape.type_name} ({shape.name}), simulator sent elements {', '.join(local(c.tag) for c in el)[:80]}")
        return
    v = el.text or ""
    t = shape.type_name
    if t == "string":
        if shape.enum and v not in shape.enum:
            f.warn(path, f"{v!r} is not one of the model's {shape.name} values ({', '.join(shape.enum[:8])}{', ...' if len(shape.enum) > 8 else ''})")
        else:
            check_length(len(v), shape, path, "characters", f)
    elif t in ("integer", "long", "short", "byte"):
        if not INTEGER_RE.match(v.strip()):
            f.problem(path, f"model says {t} ({shape.name}), simulator sent {text_of(v)}")
    elif t in ("float", "double"):
        try:
            float(v)
        except ValueError:
            f.problem(path, f"model says {t} ({shape.name}), simulator sent {text_of(v)}")
    elif t == "boolean":
        if v not in ("true", "false"):
            f.problem(path, f"model says boolean ({shape.name}): true or false; simulator sent {text_of(v)}")
    elif t == "timestamp":
        fmt = timestamp_format(shape, protocol)
        ok = {"iso8601": ISO8601_RE.match(v), "rfc822": RFC822_RE.match(v),
              "unixTimestamp": re.match(r"^\d+(\.\d+)?$", v)}.get(fmt, True)
        if not ok:
            f.problem(path, f"model says timestamp ({shape.name}) in {fmt}, simulator sent {text_of(v)}")
    elif t == "blob":
        try:
            base64.b64decode(v, validate=True)
        except (binascii.Error, ValueError):
            f.problem(path, f"model says blob ({shape.name}), base64; simulator sent {text_of(v)}")


def check_xml_list_items(items, shape, path, protocol, ns, f):
    for i, item in enumerate(items):
        check_xml_value(item, shape.member, f"{path}[{i}]", protocol, ns, f)


def check_xml_map_entry(entry, shape, path, protocol, ns, f):
    key_name = shape.key.serialization.get("name") or "key"
    value_name = shape.value.serialization.get("name") or "value"
    got = {}
    for c in entry:
        check_namespace(c, ns, join(path, local(c.tag)), f)
        got.setdefault(local(c.tag), []).append(c)
    for tag, els in got.items():
        if tag not in (key_name, value_name):
            f.problem(join(path, tag), f"a {shape.name} entry holds <{key_name}> and <{value_name}> only")
        elif len(els) > 1:
            f.problem(join(path, tag), f"sent {len(els)} times in one entry")
    if key_name not in got:
        f.problem(path, f"entry without <{key_name}>")
        return
    key = got[key_name][0].text or ""
    if shape.key.enum and key not in shape.key.enum:
        f.warn(f"{path}[{key}]", f"map key {key!r} is not one of the model's {shape.key.name} values")
    if value_name not in got:
        f.problem(f"{path}[{key}]", f"entry without <{value_name}>")
        return
    check_xml_value(got[value_name][0], shape.value, f"{path}[{key}]", protocol, ns, f)


def check_xml_value(el, shape, path, protocol, ns, f):
    t = shape.type_name
    if t == "structure":
        check_xml_structure(el, shape, path, protocol, ns, f)
    elif t == "list":
        # Not flattened: <Name><member>..</member>...</Name>.
        item_name = shape.member.serialization.get("name", "member")
        if (el.text or "").strip():
            f.problem(path, f"model says list {shape.name}, simulator sent text {text_of(el.text.strip())}")
        for c in el:
            check_namespace(c, ns, path, f)
            if local(c.tag) != item_name:
                f.problem(join(path, local(c.tag)), f"items of {shape.name} are <{item_name}> elements")
        check_xml_list_items(list(el), shape, path, protocol, ns, f)
    elif t == "map":
        for c in el:
            check_namespace(c, ns, path, f)
            if local(c.tag) != "entry":
                f.problem(join(path, local(c.tag)), f"entries of {shape.name} are <entry> elements")
                continue
            check_xml_map_entry(c, shape, path, protocol, ns, f)
    else:
        check_xml_scalar(el, shape, path, protocol, f)


def check_xml_structure(el, shape, path, protocol, ns, f):
    if (el.text or "").strip() and not len(el):
        f.problem(path, f"model says structure {shape.name}, simulator sent text {text_of(el.text.strip())}")
    by_tag = {}
    for n, m in shape.members.items():
        by_tag[member_key_name(n, m)] = (n, m)
    children = {}
    for c in el:
        check_namespace(c, ns, join(path, local(c.tag)), f)
        children.setdefault(local(c.tag), []).append(c)
    for tag, els in children.items():
        p = join(path, tag)
        if tag not in by_tag:
            f.problem(p, f"not a member of {shape.name} (its members, as elements: {', '.join(by_tag) or 'none'})")
            continue
        name, m = by_tag[tag]
        flattened = m.type_name in ("list", "map") and m.serialization.get("flattened")
        if flattened and m.type_name == "list":
            check_xml_list_items(els, m, p, protocol, ns, f)
        elif flattened:
            for e in els:
                check_xml_map_entry(e, m, p, protocol, ns, f)
        else:
            if len(els) > 1:
                f.problem(p, f"sent {len(els)} times; {shape.name}.{name} is a {m.type_name}" + (" that is not flattened (items go in <member>)" if m.type_name == "list" else ""))
            check_xml_value(els[0], m, p, protocol, ns, f)
    for name in shape.required_members:
        m = shape.members[name]
        if m.type_name in ("list", "map") and m.serialization.get("flattened"):
            continue  # an empty flattened list is no element at all
        if member_key_name(name, m) not in children:
            f.problem(join(path, member_key_name(name, m)), f"missing; the model's {shape.name} requires it")


def parse_xml_body(raw, f):
    try:
        return ET.fromstring(raw.body)
    except ET.ParseError as e:
        f.problem("", f"not XML ({e}): {raw.body[:80]!r}")
        return None


def check_query_answer(op, raw, f):
    ns = op.service_model.metadata.get("xmlNamespace", "")
    if not raw.headers.get("content-type", "").startswith(("text/xml", "application/xml")):
        f.warn("Content-Type", f"a Query answer is text/xml, simulator sent {raw.headers.get('content-type')!r}")
    root = parse_xml_body(raw, f)
    if root is None:
        return
    want_root = f"{op.name}Response"
    if local(root.tag) != want_root:
        f.problem(local(root.tag), f"the answer's root element is <{want_root}>")
        return
    check_namespace(root, ns, want_root, f)
    shape = op.output_shape
    wrapper = shape.serialization.get("resultWrapper") if shape is not None else None
    seen = {}
    for c in root:
        seen.setdefault(local(c.tag), []).append(c)
    for tag, els in seen.items():
        if tag not in ("ResponseMetadata", wrapper):
            f.problem(f"{want_root}.{tag}", f"<{want_root}> holds only " + (f"<{wrapper}> and " if wrapper else "") + "<ResponseMetadata>")
        elif len(els) > 1:
            f.problem(f"{want_root}.{tag}", f"sent {len(els)} times")
    meta = seen.get("ResponseMetadata")
    if not meta:
        f.problem(f"{want_root}.ResponseMetadata", "missing (it carries the RequestId)")
    else:
        check_namespace(meta[0], ns, "ResponseMetadata", f)
        rid = meta[0].find(f"{{{ns}}}RequestId") if ns else meta[0].find("RequestId")
        if rid is None or not (rid.text or "").strip():
            f.problem("ResponseMetadata.RequestId", "missing or empty")
        for c in meta[0]:
            if local(c.tag) != "RequestId":
                f.problem(f"ResponseMetadata.{local(c.tag)}", "ResponseMetadata holds only RequestId")
    if shape is None:
        return
    if wrapper and wrapper not in seen:
        f.problem(f"{want_root}.{wrapper}", "missing; AWS sends the result element even when it is empty")
        return
    result = seen[wrapper][0] if wrapper else root
    check_xml_structure(result, shape, wrapper or "", op.service_model.protocol, ns, f)


def check_query_error(op, raw, f):
    ns = op.service_model.metadata.get("xmlNamespace", "")
    root = parse_xml_body(raw, f)
    if root is None:
        return "?"
    if local(root.tag) != "ErrorResponse":
        f.problem(local(root.tag), "a Query error's root element is <ErrorResponse>")
        return "?"
    if ns_of(root.tag) != ns:
        f.warn("ErrorResponse", f"in namespace {ns_of(root.tag)!r}; AWS answers in {ns!r}")
    parts = {}
    for c in root:
        parts.setdefault(local(c.tag), []).append(c)
    for tag in parts:
        if tag not in ("Error", "RequestId"):
            f.problem(f"ErrorResponse.{tag}", "<ErrorResponse> holds <Error> and <RequestId>")
    if not parts.get("RequestId") or not (parts["RequestId"][0].text or "").strip():
        f.problem("ErrorResponse.RequestId", "missing or empty")
    if not parts.get("Error"):
        f.problem("ErrorResponse.Error", "missing")
        return "?"
    err = {local(c.tag): (c.text or "") for c in parts["Error"][0]}
    for tag in err:
        if tag not in ("Type", "Code", "Message", "Detail"):
            f.warn(f"Error.{tag}", "not part of the Query error document")
    code = err.get("Code", "")
    if not code:
        f.problem("Error.Code", "missing or empty")
        return "?"
    if code in NOT_SERVED:
        return code
    want_type = "Receiver" if raw.status >= 500 else "Sender"
    if err.get("Type") not in ("Sender", "Receiver"):
        f.problem("Error.Type", f"Sender or Receiver, simulator sent {text_of(err.get('Type'))}")
    elif err["Type"] != want_type:
        f.warn("Error.Type", f"{err['Type']} with HTTP {raw.status}")
    known = error_shapes(op)
    shape = known.get(code)
    if shape is None:
        if code not in COMMON_QUERY_ERRORS:
            by_name = [e for e in op.error_shapes if e.name == code and e.error_code != code]
            hint = f" (the model's code for {code} is {by_name[0].error_code})" if by_name else ""
            f.problem("Error.Code", f"{code} is not an error code of {op.name} ({', '.join(sorted(e.error_code for e in op.error_shapes)) or 'none modeled'}) nor a common AWS error{hint}")
        return code
    check_status(code, shape, raw.status, f)
    return code
