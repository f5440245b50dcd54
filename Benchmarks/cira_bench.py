#!/usr/bin/env python3
"""CIRA scale benchmark: N simulated devices dial in to a real `mps` on loopback.

Prints: devices connected, connect rate (devices/s), time for all of them to reconnect after a
server restart, keep-alives answered, and the server's resident memory per idle device.
Everything runs on 127.0.0.1 with ephemeral ports and a temporary data directory; every wait
is bounded, and both processes are stopped at the end.

    python3 Benchmarks/cira_bench.py --devices 10000 [--tls-max 1.2]
"""
import argparse, json, os, re, shutil, signal, socket, ssl, subprocess, sys, tempfile, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def smaps(pid):
    """{(start, size_kib, name): rss_kib} of every mapping of `pid`."""
    out, key = {}, None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
                lo, hi = (int(x, 16) for x in head[0].split("-"))
                key = (lo, (hi - lo) // 1024, head[5] if len(head) > 5 else "[anon]")
            elif head[0] == "Rss:" and key:
                out[key] = int(head[1])
    return out


def smaps_growth(before, after, n):
    """The mappings whose resident memory grew most, in bytes per device."""
    grown = []
    for key, rss in after.items():
        delta = rss - before.get(key, 0)
        if delta * 1024 >= n * 8:  # 8 B per device and more
            grown.append((delta, key))
    grown.sort(reverse=True)
    return [f"{key[2]} {key[1]} KiB mapping: {round(d * 1024 / n)} B/device"
            for d, key in grown[:16]]


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, binary, env):
        self.binary, self.env, self.proc = binary, env, None

    def start(self):
        self.log = open(os.path.join(self.env["MPS_DATA_DIR"], "server.log"), "a")
        self.proc = subprocess.Popen([self.binary], env=self.env, stdout=self.log, stderr=self.log)

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def api(port, key, path):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE  # loopback, our own freshly generated certificate
    req = urllib.request.Request(f"https://127.0.0.1:{port}{path}", headers={"X-MPS-API-Key": key})
    with urllib.request.urlopen(req, context=ctx, timeout=10) as r:
        return json.loads(r.read())


def prepare(mps, prefix, log_level="warning"):
    """A temporary data directory, two free loopback ports, a migrated database and an API
    key: returns (tmp, env, cira_port, web_port, key)."""
    tmp = tempfile.mkdtemp(prefix=prefix)
    cira, web = free_port(), free_port()
    env = dict(os.environ, MPS_DATA_DIR=os.path.join(tmp, "data"), MPS_PORT=str(cira),
               MPS_WEB_PORT=str(web), MPS_LISTEN_ADDRESS="127.0.0.1",
               MPS_WEB_LISTEN_ADDRESS="127.0.0.1", MPS_LOG_LEVEL=log_level)
    os.makedirs(env["MPS_DATA_DIR"], mode=0o700)
    subprocess.run([mps, "--migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    key = subprocess.run([mps, "apikey", "create", "bench"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    return tmp, env, cira, web, key


def import_fleet(mps, env, fleet, path):
    """Writes `fleet` as JSON to `path` and registers it with `mps device import`."""
    with open(path, "w") as f:
        json.dump(fleet, f)
    subprocess.run([mps, "device", "import", path], env=env, check=True, stdout=subprocess.DEVNULL)


def wait_healthy(port, key, timeout):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            api(port, key, "/api/v1/health")
            return
        except Exception:
            time.sleep(0.1)
    raise SystemExit("server did not become healthy")


def wait_connected(port, key, want, timeout):
    """Seconds until the API reports `want` connected devices, or None on timeout."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if api(port, key, "/api/v1/devices/stats")["connectedCount"] >= want:
                return time.monotonic() - start
        except Exception:
            pass
        time.sleep(0.25)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10000)
    ap.add_argument("--build", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--timeout", type=float, default=180)
    ap.add_argument("--idle", type=float, default=35, help="seconds to hold the fleet idle")
    ap.add_argument("--rate", type=int, default=1000, help="simulator connections per second")
    ap.add_argument("--smaps", action="store_true",
                    help="also print which of the server's mappings grew, per device")
    ap.add_argument("--tls-max", choices=["1.2", "1.3"], default="1.3",
                    help="newest TLS version the simulated devices offer (AMT firmware: 1.2)")
    args = ap.parse_args()
    n = args.devices
    mps, sim = os.path.join(args.build, "mps"), os.path.join(args.build, "amt-sim")
    tmp, env, cira, web, key = prepare(mps, "mps-bench-")

    fleet = []
    for i in range(n):
        fleet.append({
            "guid": f"be{i & 0xffffff:06x}-0000-4000-8000-{i:012x}",
            "hostname": f"bench-{i}", "mpsUsername": f"dev{i % 1000}",
            "mpsPassword": f"Bench-{i % 97:02d}x!", "amtUsername": "admin",
            "amtPassword": "Amt-Bench-1!",
        })
    fleet_path = os.path.join(tmp, "fleet.json")
    with open(fleet_path, "w") as f:
        json.dump(fleet, f)
    t = time.monotonic()
    subprocess.run([mps, "device", "import", fleet_path], env=env, check=True, stdout=subprocess.DEVNULL)
    import_s = time.monotonic() - t

    server = Server(mps, env)
    server.start()
    wait_healthy(web, key, 60)  # the first start generates the RSA root and server keys
    time.sleep(1)
    rss_empty = rss_kib(server.proc.pid)
    maps_empty = smaps(server.proc.pid) if args.smaps else None
    sim_log = open(os.path.join(tmp, "sim.log"), "w")
    simp = subprocess.Popen([sim, "--fleet", fleet_path, "--mps", f"127.0.0.1:{cira}",
                             "--reconnect", "1", "--rate", str(args.rate), "--tls-max", args.tls_max,
                             "--log-level", "info"],
                            stdout=sim_log, stderr=subprocess.STDOUT)
    results = {"devices": n, "tls_max": args.tls_max, "import_seconds": round(import_s, 1)}
    try:
        cpu0 = cpu_seconds(server.proc.pid)
        connect_s = wait_connected(web, key, n, args.timeout)
        results["connected"] = api(web, key, "/api/v1/devices/stats")["connectedCount"]
        results["connect_seconds"] = round(connect_s, 1) if connect_s else None
        results["connect_rate_per_s"] = round(n / connect_s) if connect_s else None
        results["server_cpu_seconds_connect"] = round(cpu_seconds(server.proc.pid) - cpu0, 1)
        time.sleep(args.idle)  # at least one keep-alive round at the 30 s interval
        rss_full = rss_kib(server.proc.pid)
        results["server_rss_mib_idle"] = round(rss_full / 1024, 1)
        results["server_rss_bytes_per_device"] = round((rss_full - rss_empty) * 1024 / n)
        if maps_empty is not None:
            results["server_mappings_grown"] = smaps_growth(maps_empty, smaps(server.proc.pid), n)
        results["still_connected_after_idle"] = api(web, key, "/api/v1/devices/stats")["connectedCount"]

        server.stop(signal.SIGKILL)  # a crash: no goodbye to the devices
        t = time.monotonic()
        server.start()
        reconnect_s = wait_connected(web, key, n, args.timeout)
        results["reconnect_all_seconds_after_restart"] = round(time.monotonic() - t, 1) if reconnect_s else None
        results["reconnected"] = api(web, key, "/api/v1/devices/stats")["connectedCount"]
    finally:
        simp.send_signal(signal.SIGTERM)
        try:
            simp.wait(timeout=30)
        except subprocess.TimeoutExpired:
            simp.kill()
        server.stop()
        sim_log.close()
    with open(os.path.join(tmp, "sim.log")) as f:
        tail = [l for l in f.read().splitlines() if "keep" in l.lower()][-1:]
    if tail:
        results["simulator_last_summary"] = tail[0][-200:]
    shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
