#!/usr/bin/python3
"""A real SMTP server on loopback for the delivery tests (aiosmtpd, Debian's python3-aiosmtpd).

Usage: smtp_sink.py DIR [--refuse] [--delay-ms=BEFORE,AFTER] [--hang]. Listens on 127.0.0.1 on
a free port, prints the port on its first line, writes each message it accepts to DIR/<n>.eml
(the raw bytes) with its envelope in DIR/<n>.env ("from\nto,to"). With --refuse it answers every
RCPT with 550. With --delay-ms it waits BEFORE ms after the end of DATA, then records the message
(it is accepted from then on), then waits AFTER ms before answering 250: a slow server, whose
client can die before the message is kept (no copy) or after it (a copy the client never heard
of). With --hang it never answers DATA (a server that stopped in the middle of a conversation).
"""
import asyncio
import os
import socket
import sys
import time

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, folder, refuse, before=0.0, after=0.0, hang=False):
        self.folder = folder
        self.refuse = refuse
        self.before = before
        self.after = after
        self.hang = hang
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox refused for the test"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            await asyncio.sleep(3600)
        if self.before > 0:
            await asyncio.sleep(self.before)
        self.count += 1
        base = os.path.join(self.folder, str(self.count))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".env", "w") as f:
            f.write(envelope.mail_from + "\n" + ",".join(envelope.rcpt_tos) + "\n")
        os.rename(base + ".tmp", base + ".eml")
        if self.after > 0:
            await asyncio.sleep(self.after)
        return "250 Message accepted"


def main():
    folder = sys.argv[1]
    refuse = "--refuse" in sys.argv[2:]
    hang = "--hang" in sys.argv[2:]
    before = after = 0.0
    for arg in sys.argv[2:]:
        if arg.startswith("--delay-ms="):
            b, a = arg[len("--delay-ms="):].split(",")
            before, after = float(b) / 1000, float(a) / 1000
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    controller = Controller(Sink(folder, refuse, before, after, hang), hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    try:
        while True:  # until the test stops us (SIGTERM)
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
