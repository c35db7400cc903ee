#!/usr/bin/env python3
"""Dump a running qemu guest through QMP: an ELF vmcore and a kdump-compressed one, then quit.

  qmp_dump.py SOCKET ELF_PATH KDUMP_PATH [--paging]
"""
import json
import socket
import sys


def main(sock_path, elf, kdump, paging):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock_path)
    f = s.makefile("rw")

    def cmd(name, **args):
        f.write(json.dumps({"execute": name, "arguments": args} if args else {"execute": name}) + "\n")
        f.flush()
        while True:
            reply = json.loads(f.readline())
            if "error" in reply:
                raise SystemExit(f"qmp {name}: {reply['error']}")
            if "return" in reply:
                return reply["return"]

    f.readline()  # greeting
    cmd("qmp_capabilities")
    # Without "detach" dump-guest-memory returns when the file is complete.
    cmd("dump-guest-memory", paging=paging, protocol=f"file:{elf}")
    if kdump:
        cmd("dump-guest-memory", paging=False, protocol=f"file:{kdump}", format="kdump-zlib")
    try:
        cmd("quit")
    except (json.JSONDecodeError, OSError):
        pass


if __name__ == "__main__":
    if len(sys.argv) < 4:
        raise SystemExit(__doc__)
    main(sys.argv[1], sys.argv[2], sys.argv[3], "--paging" in sys.argv[4:])
