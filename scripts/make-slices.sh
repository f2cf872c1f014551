#!/usr/bin/env bash
# Cuts the small real-data slices committed under data/ from the full traces in /work/shared/data.
# Deterministic: re-running it reproduces the committed files byte for byte (gzip -n, no timestamps).
#
#   scripts/make-slices.sh [SHARED_DATA_DIR]   (default /work/shared/data)
set -euo pipefail
SRC=${1:-/work/shared/data}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BB=$SRC/bitbrains-rnd/2013-07.csv.gz
SWF=$SRC/pwa/LCG.swf.gz

# --- Bitbrains: 20 VMs x 14 days of July 2013 -----------------------------------------------
# Window: 2013-07-01 00:00 UTC (1372636800) ... 2013-07-15 00:00 UTC (1372636800 + 14*86400).
FROM=1372636800
TO=$((FROM + 14 * 86400))
mkdir -p "$ROOT/data/bitbrains-slice"
# Score every VM in the window by CPU utilisation (usage / capacity): keep VMs whose mean is
# between 5% and 90% (not idle, not pinned) and that were observed in >= 90% of the 4032 slots,
# then take the 20 with the largest standard deviation (the most varied demand).
VMS=$(zcat "$BB" | awk -F, -v from=$FROM -v to=$TO '
  NR > 1 && $2 >= from && $2 < to && $4 > 0 {
    u = $5 / $4; n[$1]++; s[$1] += u; ss[$1] += u * u }
  END {
    for (v in n) {
      m = s[v] / n[v]; sd = sqrt(ss[v] / n[v] - m * m)
      if (n[v] >= 0.9 * 4032 && m >= 0.05 && m <= 0.90) printf "%s %.6f\n", v, sd
    } }' | sort -k2,2gr -k1,1n | head -20 | awk '{print $1}' | sort -n | tr '\n' ' ')
echo "bitbrains VMs: $VMS"
zcat "$BB" | awk -F, -v from=$FROM -v to=$TO -v vms="$VMS" '
  BEGIN { split(vms, a, " "); for (i in a) keep[a[i]] = 1 }
  NR == 1 || (($1 in keep) && $2 >= from && $2 < to)' \
  | gzip -n -9 > "$ROOT/data/bitbrains-slice/bitbrains-rnd-2013-07-01_14d_20vms.csv.gz"

# --- LCG SWF: the first 3 days, all users, header kept -------------------------------------
# SWF submit times are seconds after the header's UnixStartTime; 3 days = 259200 s.
mkdir -p "$ROOT/data/lcg-slice"
zcat "$SWF" | awk '/^;/ || $2 < 259200' | gzip -n -9 > "$ROOT/data/lcg-slice/LCG-first-3-days.swf.gz"
# --- Azure 2017 sample: the first 12 VMs (file order) x the first 14 days, header kept -------
# Timestamps start at 1483228800 (2017-01-01 UTC) by the sample's convention; 14 days = 4032 steps.
AZ=$SRC/azure2017/azure2017_v1_periodic78vms_avg.csv.gz
mkdir -p "$ROOT/data/azure-slice"
zcat "$AZ" | awk -F, 'NR == 1 { print; next }
  !($1 in seen) { seen[$1] = 1; n++ }
  n <= 12 && $2 < 1483228800 + 14 * 86400' \
  | gzip -n -9 > "$ROOT/data/azure-slice/azure2017-first-14d_12vms.csv.gz"
ls -l "$ROOT/data/bitbrains-slice" "$ROOT/data/lcg-slice" "$ROOT/data/azure-slice"
