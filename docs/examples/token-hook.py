#!/usr/bin/env python3
import json, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

TOKENS = set(open(sys.argv[1]).read().split())

class Hook(BaseHTTPRequestHandler):
    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = {}
        if event["Type"] == "pre-create":
            header = event["Event"]["HTTPRequest"]["Header"].get("Authorization", [""])[0]
            if header.removeprefix("Bearer ") not in TOKENS:
                answer = {"RejectUpload": True,
                          "HTTPResponse": {"StatusCode": 401, "Body": "a valid token is needed\n"}}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[2]) if len(sys.argv) > 2 else 8000), Hook).serve_forever()
