#!/usr/bin/python3
"""Parses a received message with Python's email package (an implementation independent of
ours) and prints what the tests check as JSON: headers decoded, the body decoded to text."""
import email
import email.policy
import json
import sys

with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
raw_subject = m.get("Subject", failobj=None)
print(json.dumps({
    "subject": str(m["subject"]),
    "from": str(m["from"]),
    "to": str(m["to"]),
    "message_id": str(m["message-id"]),
    "content_type": m.get_content_type(),
    "charset": m.get_content_charset(),
    "body": m.get_content(),
    "raw_subject_ascii": all(ord(c) < 128 for c in open(sys.argv[1], "rb").read().decode("latin-1").split("\r\n\r\n")[0]),
}, ensure_ascii=False))
