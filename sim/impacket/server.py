"""impacket's SimpleSMBServer on loopback, for the share tests: a second SMB server nobody here
wrote (SMB 2.0.2 only, 64 KiB I/O). Prints one JSON line once it listens; stops on stdin EOF.

usage: server.py <address> <share> <folder> <user>   (the password comes on stdin's first line)
"""
import json
import logging
import sys
import threading

from impacket import smbserver
from impacket.ntlm import compute_lmhash, compute_nthash


def main() -> None:
    address, share, folder, user = sys.argv[1:5]
    password = sys.stdin.readline().rstrip("\n")
    logging.basicConfig(level=logging.CRITICAL)
    server = smbserver.SimpleSMBServer(listenAddress=address, listenPort=0)
    server.addShare(share, folder, "pulumi-applayering tests")
    server.setSMB2Support(True)
    server.addCredential(user, 0, compute_lmhash(password).hex(), compute_nthash(password).hex())
    port = server._SimpleSMBServer__server.server_address[1]
    threading.Thread(target=server.start, daemon=True).start()
    print(json.dumps({"address": address, "port": port}), flush=True)
    sys.stdin.read()  # the test closes stdin (or dies): stop with it


if __name__ == "__main__":
    main()
