#!/usr/bin/env bash
# DNS data-plane benchmark: vpcdns against knotd (direct), unbound, dnsmasq and dnsdist, in one run.
#
#   bench/dns.sh [SECONDS]          (default 10; DNS_PEERS_MODES="hot miss tcp" selects the runs)
#   VPCDNS_DNS_WORKERS=N            DNS worker processes (default: cores - 1, at least 1)
#   VPCDNS_DNS_UDP_IO=node|native   UDP sockets of vpcdns (default auto: the native addon when built)
#   VPCDNS_NODE_FLAGS="--cpu-prof"  node flags for the vpcdns process (and its workers)
#   RUNS=N                          repeat the whole same-run comparison N times (default 1) and print, besides
#                                   each run's table and ratios, the median of each ratio over the runs: on a
#                                   shared VM one run's figures can be 15% off either way
#
# Also starts bench/node-forwarder.mjs, a minimal Node forwarder (id swap, bytes forwarded, no cache), as
# "node-min": the ceiling of one Node process on the machine, measured in the same run.
# Starts vpcdns (SQLite in memory) with an inbound endpoint at 127.30.1.10 and a rule forwarding
# corp.internal to 127.0.0.2:5300 through an outbound endpoint, then runs ../shared/bench/dns-peers.sh,
# which starts the upstream (knotd) and the peers and measures every target with dnsperf.
# Needs: apt-get install -y --no-install-recommends dnsperf dnsmasq-base unbound knot knot-dnsutils bind9-dnsutils dnsdist
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
PEERS=${DNS_PEERS_SCRIPT:-../shared/bench/dns-peers.sh}
API_PORT=18253
DNS_PORT=5399
INBOUND=127.30.1.10
TOKEN="bench-dns-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vpcdns-dns-bench.XXXXXX")
trap 'kill ${VPCDNS_PID:-} ${NODE_MIN_PID:-} 2>/dev/null || true; rm -rf "$WORK"' EXIT

cat > "$WORK/config.yaml" <<YAML
projects:
  - { id: dddddddddddddddddddddddddddddddd, name: bench, tokens: [ "$TOKEN" ] }
dns: { port: $DNS_PORT, cache_size: 100000 }
vpcs:
  - id: 6f1c0e2a-0000-4000-8000-0000000000d0
    project_id: dddddddddddddddddddddddddddddddd
    name: bench-vpc
    cidr: 127.30.0.0/16
    subnets:
      - { id: 6f1c0e2a-0000-4000-8000-0000000000d1, name: bench-subnet, cidr: 127.30.1.0/24, gateway_ip: 127.30.1.1 }
YAML

node ${VPCDNS_NODE_FLAGS:-} bin/vpcdns.js serve --db :memory: --config "$WORK/config.yaml" --listen 127.0.0.1:$API_PORT --log-level warn > "$WORK/vpcdns.log" 2>&1 &
VPCDNS_PID=$!
for _ in $(seq 1 100); do curl -sf http://127.0.0.1:$API_PORT/healthz > /dev/null && break; sleep 0.1; done
npx tsx bench/dns-setup.ts "http://127.0.0.1:$API_PORT" "$TOKEN" 6f1c0e2a-0000-4000-8000-0000000000d1 6f1c0e2a-0000-4000-8000-0000000000d0 $INBOUND

# The yardstick: a minimal Node forwarder (UDP only; its tcp line stays empty), the ceiling of one Node process here.
NODE_MIN=127.30.1.30
node bench/node-forwarder.mjs "$NODE_MIN:$DNS_PORT" 127.0.0.2:5300 > "$WORK/node-forwarder.log" 2>&1 &
NODE_MIN_PID=$!

RUNS=${RUNS:-1}
for run in $(seq 1 "$RUNS"); do
  [ "$RUNS" -gt 1 ] && echo "=== run $run of $RUNS"
  bash "$PEERS" "$DUR" "vpcdns=$INBOUND:$DNS_PORT" "node-min=$NODE_MIN:$DNS_PORT" | tee "$WORK/table.$run.txt"

  # The ratios the data-plane issue asks about, from this run's table (NAME MODE QPS ...).
  awk -v run="$run" -v out="$WORK/ratios.txt" '
    $1 ~ /^(unbound|dnsmasq|dnsdist|vpcdns|node-min)$/ && $3 ~ /^[0-9.]+$/ { qps[$1 "," $2] = $3 }
    END {
      print ""
      print "vpcdns / peer, same run:"
      split("hot miss tcp", modes, " ")
      for (i = 1; i <= 3; i++) {
        m = modes[i]; line = sprintf("  %-5s", m)
        split("unbound dnsmasq dnsdist node-min", peers, " ")
        for (j = 1; j <= 4; j++) {
          p = peers[j]
          if (qps["vpcdns," m] > 0 && qps[p "," m] > 0) {
            r = qps["vpcdns," m] / qps[p "," m]
            line = line sprintf("  vs %-8s %5.2f", p, r)
            printf "%s %s %s %.4f\n", m, p, run, r >> out
          }
        }
        print line
      }
    }' "$WORK/table.$run.txt"
done

if [ "$RUNS" -gt 1 ]; then
  echo ""
  echo "vpcdns / peer, median over $RUNS runs (each ratio taken within one run):"
  sort -k1,1 -k2,2 -k4,4n "$WORK/ratios.txt" | awk '
    { key = $1 " " $2; v[key, ++n[key]] = $4; if (!(key in seen)) { seen[key] = 1; order[++k] = key } }
    END {
      for (i = 1; i <= k; i++) {
        key = order[i]; c = n[key]
        med = (c % 2) ? v[key, (c + 1) / 2] : (v[key, c / 2] + v[key, c / 2 + 1]) / 2
        all = ""; for (j = 1; j <= c; j++) all = all sprintf(" %.2f", v[key, j])
        split(key, kp, " ")
        printf "  %-5s vs %-8s %5.2f   (sorted:%s)\n", kp[1], kp[2], med, all
      }
    }'
fi
