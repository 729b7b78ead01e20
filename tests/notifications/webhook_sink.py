#!/usr/bin/python3
"""A webhook receiver on loopback for the delivery tests.

Usage: webhook_sink.py DIR SECRET. Prints its port first. For each POST it checks
X-Shinchoku-Signature (sha256=<hex HMAC-SHA256 of the body with SECRET>, computed here with
Python's hmac, independently of the C++ code): a match is answered 204 and saved as
DIR/<n>.json with DIR/<n>.headers; anything else is answered 401 and saved nowhere.
"""
import hashlib
import hmac
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

FOLDER, SECRET = sys.argv[1], sys.argv[2].encode()
COUNT = [0]


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        want = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, self.headers.get("X-Shinchoku-Signature", "")):
            self.send_response(401)
            self.end_headers()
            return
        COUNT[0] += 1
        base = os.path.join(FOLDER, str(COUNT[0]))
        with open(base + ".headers", "w") as f:
            for k, v in self.headers.items():
                f.write(f"{k}: {v}\n")
        with open(base + ".tmp", "wb") as f:
            f.write(body)
        os.rename(base + ".tmp", base + ".json")
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
