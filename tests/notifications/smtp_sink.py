#!/usr/bin/python3
"""A real SMTP server on loopback for the delivery tests (aiosmtpd, Debian's python3-aiosmtpd).

Usage: smtp_sink.py DIR [--refuse]. Listens on 127.0.0.1 on a free port, prints the port on
its first line, writes each message it accepts to DIR/<n>.eml (the raw bytes) with its envelope
in DIR/<n>.env ("from\nto,to"). With --refuse it answers every RCPT with 550.
"""
import asyncio
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, refuse):
        self.folder = folder
        self.refuse = refuse
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox refused for the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        base = os.path.join(self.folder, str(self.count))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n" + ",".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".tmp", base + ".eml")
        return "250 Message accepted"


def main():
    folder = sys.argv[1]
    refuse = "--refuse" in sys.argv[2:]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    controller = Controller(Sink(folder, refuse), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        while True:  # until the test stops us (SIGTERM)
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
