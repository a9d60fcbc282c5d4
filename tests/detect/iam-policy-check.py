#!/usr/bin/env python3
"""iam-policy-check.py --scp|--role FILE...: check that each FILE is an
IAM policy document as IAM's policy grammar has it, and within AWS's size
limit for its kind. Prints FILE: REASON for each fault; exit 0 when every
file passes, 1 otherwise.

Checked: JSON with one top-level object of Version ("2012-10-17"), an
optional Id and Statement (an object or a non-empty array); each statement
with Effect Allow or Deny, exactly one of Action/NotAction and of
Resource/NotResource, a Sid of letters and digits (unique in the
document), no Principal in an SCP or a role's identity policy; actions
"*" or "prefix:name" with wildcards; Condition operators spelled as IAM
spells them (with ...IfExists, except Null, and the ForAllValues: and
ForAnyValue: qualifiers), condition keys "prefix:Name", values strings
(or lists of them), Null and Bool values "true" or "false", policy
variables ${prefix:Name}; only the characters IAM accepts (tab, line
feed, carriage return, U+0020 to U+00FF).
Sizes: an SCP counts every character of the file (5,120); a role's
managed policy counts everything but whitespace (6,144)."""
import json, re, sys

OPERATORS = set(["StringEquals", "StringNotEquals", "StringEqualsIgnoreCase",
                  "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
                  "NumericEquals", "NumericNotEquals", "NumericLessThan",
                  "NumericLessThanEquals", "NumericGreaterThan",
                  "NumericGreaterThanEquals", "DateEquals", "DateNotEquals",
                  "DateLessThan", "DateLessThanEquals", "DateGreaterThan",
                  "DateGreaterThanEquals", "Bool", "BinaryEquals", "IpAddress",
                  "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals",
                  "ArnNotLike"])
OPERATORS.update([o + "IfExists" for o in list(OPERATORS)])
OPERATORS.add("Null")  # the one without an IfExists form
QUALIFIERS = ("ForAllValues:", "ForAnyValue:")
STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action",
                  "NotAction", "Resource", "NotResource", "Condition"}
ACTION = re.compile(r"^(\*|[a-z0-9-]+:[A-Za-z0-9*?]+)$")
CONDKEY = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_.:/*@+=,-]+$")
VARIABLE = re.compile(r"\$\{([^}]*)\}")
VARNAME = re.compile(r"^[A-Za-z0-9-]+:[A-Za-z0-9_.:/-]+$")
SID = re.compile(r"^[A-Za-z0-9]*$")
LIMITS = {"--scp": 5120, "--role": 6144}


def strings(v):
    return [v] if isinstance(v, str) else v if isinstance(v, list) else None


def check_condition(cond, faults):
    if not isinstance(cond, dict) or not cond:
        faults.append("Condition is not a non-empty object")
        return
    for op, block in cond.items():
        name = op
        for q in QUALIFIERS:
            if op.startswith(q):
                name = op[len(q):]
        if name not in OPERATORS:
            faults.append("unknown condition operator %r" % op)
        if not isinstance(block, dict) or not block:
            faults.append("%s: not a non-empty object of keys" % op)
            continue
        for key, val in block.items():
            if not CONDKEY.match(key):
                faults.append("%s: bad condition key %r" % (op, key))
            vals = strings(val)
            if vals is None or not vals or not all(isinstance(x, str) for x in vals):
                faults.append("%s %s: values must be strings" % (op, key))
                continue
            if name.startswith(("Null", "Bool")) and any(
                    x not in ("true", "false") for x in vals):
                faults.append("%s %s: value must be true or false" % (op, key))
            for x in vals:
                for var in VARIABLE.findall(x):
                    if not VARNAME.match(var.split(",")[0].strip()):
                        faults.append("%s %s: bad policy variable ${%s}" % (op, key, var))


def check_statement(i, st, sids, faults):
    if not isinstance(st, dict):
        faults.append("Statement %d is not an object" % i)
        return
    for k in st:
        if k not in STATEMENT_KEYS:
            faults.append("Statement %d: unknown element %r" % (i, k))
    if st.get("Effect") not in ("Allow", "Deny"):
        faults.append("Statement %d: Effect must be Allow or Deny" % i)
    for a, b in (("Action", "NotAction"), ("Resource", "NotResource")):
        if (a in st) == (b in st):
            faults.append("Statement %d: exactly one of %s and %s" % (i, a, b))
    if "Principal" in st or "NotPrincipal" in st:
        faults.append("Statement %d: a Principal has no place here" % i)
    sid = st.get("Sid", "")
    if not isinstance(sid, str) or not SID.match(sid):
        faults.append("Statement %d: Sid must be letters and digits" % i)
    elif sid and sid in sids:
        faults.append("Statement %d: Sid %s repeated" % (i, sid))
    sids.add(sid)
    for k in ("Action", "NotAction"):
        if k in st:
            acts = strings(st[k])
            if not acts or not all(isinstance(a, str) and ACTION.match(a) for a in acts):
                faults.append("Statement %d: bad %s %r" % (i, k, st[k]))
    for k in ("Resource", "NotResource"):
        if k in st:
            res = strings(st[k])
            if not res or not all(isinstance(r, str) and (r == "*" or r.startswith("arn:")) for r in res):
                faults.append("Statement %d: bad %s" % (i, k))
    if "Condition" in st:
        check_condition(st["Condition"], faults)


def check(text, kind):
    faults = []
    if any(not (c in "\t\n\r" or 0x20 <= ord(c) <= 0xff) for c in text):
        faults.append("a character IAM does not accept")
    size = len(text) if kind == "--scp" else len(re.sub(r"\s", "", text))
    if size > LIMITS[kind]:
        faults.append("%d characters, over the limit of %d" % (size, LIMITS[kind]))
    try:
        doc = json.loads(text)
    except ValueError as e:
        return faults + ["not JSON: %s" % e]
    if not isinstance(doc, dict):
        return faults + ["not a JSON object"]
    for k in doc:
        if k not in ("Version", "Id", "Statement"):
            faults.append("unknown top-level element %r" % k)
    if doc.get("Version") != "2012-10-17":
        faults.append("Version must be 2012-10-17")
    sts = doc.get("Statement")
    sts = [sts] if isinstance(sts, dict) else sts
    if not isinstance(sts, list) or not sts:
        return faults + ["Statement missing or empty"]
    sids = set()
    for i, st in enumerate(sts):
        check_statement(i, st, sids, faults)
    return faults


def main(argv):
    if len(argv) < 2 or argv[0] not in LIMITS:
        sys.stderr.write("usage: iam-policy-check.py --scp|--role FILE...\n")
        return 2
    bad = 0
    for path in argv[1:]:
        with open(path, "rb") as f:
            try:
                text = f.read().decode("utf-8")
            except UnicodeDecodeError:
                print("%s: not UTF-8" % path)
                bad = 1
                continue
            for fault in check(text, argv[0]):
                print("%s: %s" % (path, fault))
                bad = 1
    return bad


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
