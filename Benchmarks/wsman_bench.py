#!/usr/bin/env python3
"""WS-MAN and REST benchmark on loopback.

1. N simulated devices (default 1,000) connect to a real `mps` (release build).
2. wrk drives GET /api/v1/amt/power/state/{guid} (Enumerate + Pull through the tunnel, with
   Digest) across the fleet, then GET /api/v1/amt/hardwareInfo/{guid}: calls/s, p50, p99.
3. wrk drives GET /api/v1/devices/{guid} with an API key over keep-alive HTTPS connections, and
   in the same run nginx serves a static file of the same size over HTTPS with the same
   certificate: our rate as a fraction of nginx's.
Every run is bounded (wrk -d); both servers and the simulator are stopped at the end, and the
temporary directory is removed. Each route also reports the server's and the simulator's CPU
time per call (utime+stime from /proc). `--only ROUTE` runs one route without nginx; `--perf`
records `perf record -g` of both processes during each route (perf-ROUTE-server.data, …).

    python3 Benchmarks/wsman_bench.py --devices 1000 --seconds 10
"""
import argparse, json, os, re, shutil, signal, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cira_bench import (ROOT, Server, api, cpu_seconds, free_port, import_fleet, prepare,  # noqa
                        wait_connected, wait_healthy)


def wrk(url, seconds, connections, threads, script=None, headers=()):
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
           "--timeout", "10s"]
    for h in headers:
        cmd += ["-H", h]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    lat = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rate_per_s": round(rate), "p50": lat.get("50"), "p99": lat.get("99"),
            "non_2xx": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": errors.group(1) if errors else None}


LUA_GUIDS = """
local guids = {}
for line in io.lines("%s") do guids[#guids + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", string.format("%s", guids[(i %% #guids) + 1]))
end
"""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--build", default=os.path.join(ROOT, ".build", "release"))
    ap.add_argument("--only", choices=["power_state", "hardware_info", "device_get"],
                    help="run just this route (no nginx comparison)")
    ap.add_argument("--perf", action="store_true",
                    help="record `perf -g` of the server and the simulator during each route")
    args = ap.parse_args()
    n = args.devices
    mps, sim = os.path.join(args.build, "mps"), os.path.join(args.build, "amt-sim")
    tmp, env, cira, web, key = prepare(mps, "mps-wsman-bench-", log_level="error")
    nginx_port = free_port()
    data = env["MPS_DATA_DIR"]
    guids = [f"ce{i:06x}-0000-4000-8000-{i:012x}" for i in range(n)]
    fleet = [{"guid": g, "hostname": f"wsman-{i}", "mpsUsername": "dev", "mpsPassword": "Bench-01x!",
              "amtUsername": "admin", "amtPassword": "Amt-Bench-1!"} for i, g in enumerate(guids)]
    fleet_path = os.path.join(tmp, "fleet.json")
    import_fleet(mps, env, fleet, fleet_path)
    server = Server(mps, env)
    server.start()
    simp = None
    nginx = None
    results = {"devices": n, "seconds_per_run": args.seconds, "wrk_connections": args.connections}
    try:
        wait_healthy(web, key, 60)
        simp = subprocess.Popen([sim, "--fleet", fleet_path, "--mps", f"127.0.0.1:{cira}",
                                 "--rate", "1000", "--log-level", "warning"],
                                stdout=open(os.path.join(tmp, "sim.log"), "w"), stderr=subprocess.STDOUT)
        if wait_connected(web, key, n, 120) is None:
            raise SystemExit("fleet did not connect")
        base = f"https://127.0.0.1:{web}"
        hdr = [f"X-MPS-API-Key: {key}"]
        for name, path in [("power_state", "/api/v1/amt/power/state/"),
                           ("hardware_info", "/api/v1/amt/hardwareInfo/"),
                           ("device_get", "/api/v1/devices/")]:
            if args.only and name != args.only:
                continue
            lst = os.path.join(tmp, f"{name}.txt")
            with open(lst, "w") as f:
                f.write("\n".join(path + g for g in guids) + "\n")
            script = os.path.join(tmp, f"{name}.lua")
            with open(script, "w") as f:
                f.write(LUA_GUIDS % (lst, "%s"))
            perfs = []
            if args.perf:
                for who, pid in [("server", server.proc.pid), ("sim", simp.pid)]:
                    out = os.path.join(ROOT, f"perf-{name}-{who}.data")
                    perfs.append(subprocess.Popen(
                        ["perf", "record", "-g", "-o", out, "-p", str(pid), "--", "sleep",
                         str(args.seconds)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            cpu0, sim0 = cpu_seconds(server.proc.pid), cpu_seconds(simp.pid)
            r = wrk(base + path, args.seconds, args.connections, 2, script, hdr)
            server_cpu = cpu_seconds(server.proc.pid) - cpu0
            sim_cpu = cpu_seconds(simp.pid) - sim0
            calls = r["rate_per_s"] * args.seconds
            r["server_cpu_seconds"] = round(server_cpu, 1)
            r["simulator_cpu_seconds"] = round(sim_cpu, 1)
            if calls:
                r["server_cpu_ms_per_call"] = round(server_cpu * 1000 / calls, 3)
                r["simulator_cpu_ms_per_call"] = round(sim_cpu * 1000 / calls, 3)
            for p in perfs:
                p.wait(timeout=args.seconds + 60)
            results[name] = r
        if args.only:
            return print(json.dumps(results, indent=2))
        # nginx: the same bytes as one device's JSON, same certificate, same wrk settings.
        body = api(web, key, "/api/v1/devices/" + guids[0])
        www = os.path.join(tmp, "www")
        os.makedirs(www)
        with open(os.path.join(www, "device.json"), "w") as f:
            f.write(json.dumps(body, separators=(",", ":")))
        certs = os.path.join(data, "certs")
        conf = os.path.join(tmp, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""worker_processes 2; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err;
events {{ worker_connections 4096; }}
http {{ access_log off; keepalive_requests 1000000; sendfile on; default_type application/json;
  client_body_temp_path {tmp}; proxy_temp_path {tmp}; fastcgi_temp_path {tmp}; uwsgi_temp_path {tmp}; scgi_temp_path {tmp};
  server {{ listen 127.0.0.1:{nginx_port} ssl; ssl_certificate {certs}/server-cert.pem;
    ssl_certificate_key {certs}/server-key.pem; ssl_protocols TLSv1.2 TLSv1.3; root {www}; }} }}
""")
        nginx = subprocess.Popen(["nginx", "-p", tmp, "-c", conf, "-g", "daemon off;"])
        time.sleep(1)
        results["nginx_same_size_file"] = wrk(f"https://127.0.0.1:{nginx_port}/device.json",
                                              args.seconds, args.connections, 2)
        ours = results["device_get"]["rate_per_s"]
        theirs = results["nginx_same_size_file"]["rate_per_s"]
        results["device_get_fraction_of_nginx"] = round(ours / theirs, 2) if theirs else None
        results["body_bytes"] = len(json.dumps(body, separators=(",", ":")))
    finally:
        if nginx:
            nginx.send_signal(signal.SIGQUIT)
            nginx.wait(timeout=20)
        if simp:
            simp.send_signal(signal.SIGTERM)
            try:
                simp.wait(timeout=30)
            except subprocess.TimeoutExpired:
                simp.kill()
        server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
