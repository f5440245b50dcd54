#!/usr/bin/env python3
"""Relay benchmark: a KVM-like byte stream from simulated devices, through the CIRA tunnel and
the relay WebSocket of a real `mps`, to WebSocket clients; and, in the same run, `socat`
relaying the same number of bytes between two TLS legs.

Prints MB/s of one relay, the server's CPU seconds per MB, socat's MB/s, the ratio, and for N
relays at once the total rate and the per-relay min/max rates. Everything is on 127.0.0.1
with ephemeral ports and a temporary directory; every wait is bounded; all processes stop.

    python3 Benchmarks/relay_bench.py --build .build/release --mb 256 --relays 100 --mb-each 16
"""
import argparse, json, os, shutil, signal, socket, ssl, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cira_bench import (ROOT, Server, api, cpu_seconds, free_port, import_fleet,  # noqa: E402
                        prepare, wait_connected, wait_healthy)

KVM_START = bytes([0x40, 0, 0, 0, 0, 0, 0, 0])


def client_context():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # loopback, our own freshly generated certificate
    return ctx


def ws_frame(payload):
    """A masked binary client frame (payload < 126 bytes)."""
    mask = os.urandom(4)
    return bytes([0x82, 0x80 | len(payload)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def relay_once(web, key, guid, want, timeout, result):
    """Opens a KVM relay, starts the stream, reads `want` bytes; stores (bytes, seconds)."""
    raw = socket.create_connection(("127.0.0.1", web), timeout=timeout)
    s = client_context().wrap_socket(raw, server_hostname="localhost")
    s.sendall((f"GET /relay/webrelay.ashx?p=2&host={guid}&port=16994&tls=0&mode=kvm HTTP/1.1\r\n"
               "Host: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               f"X-MPS-API-Key: {key}\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("relay upgrade: connection closed")
        buf += chunk
    head, buf = buf.split(b"\r\n\r\n", 1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise SystemExit(f"relay upgrade refused: {head.splitlines()[0]!r}")
    s.sendall(ws_frame(KVM_START))
    got, start, deadline = 0, None, time.monotonic() + timeout
    while got < want and time.monotonic() < deadline:
        while len(buf) >= 2:  # parse whole frames from buf
            n, off = buf[1] & 0x7F, 2
            if n == 126:
                if len(buf) < 4: break
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10: break
                n, off = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < off + n: break
            opcode = buf[0] & 0x0F
            if opcode == 0x8:
                got = want if got >= want else got
                deadline = 0
                break
            if opcode == 0x2:
                if start is None: start = time.monotonic()
                got += n
            buf = buf[off + n:]
        if got >= want or deadline == 0:
            break
        chunk = s.recv(1 << 20)
        if not chunk:
            break
        buf += chunk
    elapsed = time.monotonic() - (start or time.monotonic())
    s.close()
    result.append((got, elapsed))


def socat_rate(tmp, total, timeout):
    """MB/s of socat relaying `total` bytes TLS in -> TLS out (source and sink in Python)."""
    cert, keyf = os.path.join(tmp, "socat.crt"), os.path.join(tmp, "socat.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
                    "-days", "1", "-keyout", keyf, "-out", cert], check=True, capture_output=True)
    p_in, p_out = free_port(), free_port()
    sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    sctx.load_cert_chain(cert, keyf)
    sink = socket.socket()
    sink.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sink.bind(("127.0.0.1", p_out))
    sink.listen(1)
    relay = subprocess.Popen(["timeout", str(int(timeout)), "socat", "-b", "65536",
                              f"OPENSSL-LISTEN:{p_in},bind=127.0.0.1,reuseaddr,cert={cert},key={keyf},verify=0",
                              f"OPENSSL:127.0.0.1:{p_out},verify=0"], stderr=subprocess.DEVNULL)
    received, times = [0], {}

    def drain():
        conn, _ = sink.accept()
        c = sctx.wrap_socket(conn, server_side=True)
        while received[0] < total:
            b = c.recv(1 << 20)
            if not b: break
            if "start" not in times: times["start"] = time.monotonic()
            received[0] += len(b)
        times["end"] = time.monotonic()
        c.close()

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    for _ in range(100):
        try:
            src = client_context().wrap_socket(socket.create_connection(("127.0.0.1", p_in)), server_hostname="localhost")
            break
        except OSError:
            time.sleep(0.05)
    block = bytes((i * 31 + 7) & 0xFF for i in range(65536))
    sent = 0
    while sent < total:
        src.sendall(block[: min(len(block), total - sent)])
        sent += min(len(block), total - sent)
    t.join(timeout)
    src.close()
    relay.terminate()
    relay.wait(timeout=10)
    sink.close()
    return received[0] / 1e6 / max(1e-9, times.get("end", 0) - times.get("start", 0))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--mb", type=int, default=256, help="MiB through the single relay and socat")
    ap.add_argument("--relays", type=int, default=100)
    ap.add_argument("--mb-each", type=int, default=16, help="MiB per relay in the parallel run")
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    mps, sim = os.path.join(args.build, "mps"), os.path.join(args.build, "amt-sim")
    tmp, env, cira, web, key = prepare(mps, "mps-relay-bench-")
    single, each = args.mb << 20, args.mb_each << 20
    n = 1 + args.relays
    fleet = [{"guid": f"ab{i:06x}-0000-4000-8000-{i:012x}", "hostname": f"relay-{i}",
              "mpsUsername": "bench", "mpsPassword": "Bench-Passw0rd!", "amtUsername": "admin",
              "amtPassword": "Amt-Bench-1!", "kvmStreamBytes": single if i == 0 else each,
              "reconnectDelaySeconds": 1}
             for i in range(n)]
    fleet_path, import_path = os.path.join(tmp, "fleet.json"), os.path.join(tmp, "import.json")
    with open(fleet_path, "w") as f:
        json.dump(fleet, f)
    known = ("guid", "hostname", "mpsUsername", "mpsPassword", "amtUsername", "amtPassword")
    import_fleet(mps, env, [{k: d[k] for k in known} for d in fleet], import_path)
    server = Server(mps, env)
    server.start()
    wait_healthy(web, key, 60)
    sim_log = open(os.path.join(tmp, "sim.log"), "w")
    simp = subprocess.Popen([sim, "--fleet", fleet_path, "--mps", f"127.0.0.1:{cira}", "--log-level", "warning"],
                            stdout=sim_log, stderr=subprocess.STDOUT)
    results = {"single_relay_mib": args.mb, "relays": args.relays, "mib_each": args.mb_each}
    try:
        if wait_connected(web, key, n, 120) is None:
            raise SystemExit("devices did not connect")
        out = []
        cpu0 = cpu_seconds(server.proc.pid)
        relay_once(web, key, fleet[0]["guid"], 8 + single, args.timeout, out)
        cpu = cpu_seconds(server.proc.pid) - cpu0
        got, secs = out[0]
        results["single_relay_MBps"] = round(got / 1e6 / secs, 1)
        results["server_cpu_ms_per_MB"] = round(cpu * 1000 / (got / 1e6), 2)
        results["socat_tls_tls_MBps"] = round(socat_rate(tmp, single, args.timeout), 1)
        results["relay_to_socat_ratio"] = round(results["single_relay_MBps"] / results["socat_tls_tls_MBps"], 2)

        many, threads, failures = [], [], []

        def relay_or_record(guid):
            try:
                relay_once(web, key, guid, 8 + each, args.timeout, many)
            except BaseException as e:  # a failed relay is a figure, not a crash of the run
                failures.append(f"{guid}: {type(e).__name__}: {e}")

        t0 = time.monotonic()
        for d in fleet[1:]:
            th = threading.Thread(target=relay_or_record, args=(d["guid"],))
            th.start()
            threads.append(th)
        for th in threads:
            th.join(args.timeout)
        wall = time.monotonic() - t0
        rates = [g / 1e6 / s for g, s in many if s > 0]
        complete = sum(1 for g, _ in many if g >= 8 + each)
        results["parallel_complete"] = f"{complete}/{args.relays}"
        results["parallel_failures"] = len(failures)
        for line in sorted(failures)[:5]:
            print("relay failed:", line, file=sys.stderr)
        results["parallel_total_MBps"] = round(sum(g for g, _ in many) / 1e6 / wall, 1)
        results["parallel_per_relay_min_MBps"] = round(min(rates), 2) if rates else None
        results["parallel_per_relay_max_MBps"] = round(max(rates), 2) if rates else None
    finally:
        simp.send_signal(signal.SIGTERM)
        try:
            simp.wait(timeout=30)
        except subprocess.TimeoutExpired:
            simp.kill()
        server.stop()
        sim_log.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
