#!/bin/sh
# Wall time for a MicroVAX 3900 (64 MB, RA82 with 4.3BSD-Quasijarus, TK50) from power-on to
# the console ROM's `>>>` (its self-test included) and on to 4.3BSD's single-user `# ` after
# `boot dua0`, under trapeze and under Debian's SIMH `vax` (simh package), in one run, with
# the ratio. Both consoles are driven through a pseudo-terminal by vax-boot-timer.py.
#
# usage: benches/vax-boot.sh [RUNS]      (TRAPEZE_BUILD=dir selects the build, default build/)
# SIMH gets a scratch copy of the disk (it writes to attached images); trapeze keeps its
# writes in memory (copy-on-write). Both keep their NVRAM in scratch files.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=${TRAPEZE_BUILD:-$here/../build}
trapeze=$build/cli/trapeze
corpus=${TRAPEZE_SHARED_CORPUS:-$here/../../shared/corpus}/vax
runs=${1:-1}
[ -x "$trapeze" ] || { echo "build trapeze first ($trapeze missing)" >&2; exit 1; }
[ -f "$corpus/ka655x.bin" ] || { echo "$corpus/ka655x.bin missing" >&2; exit 1; }
images=$build/vax-corpus
for f in quasdisk-installed.dsk quastape-min.tap; do
    cmake -DSRC="$corpus/quasijarus/$f.gz" -DDST="$images/$f" -P "$here/../corpus/vax/gunzip.cmake"
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

timer="python3 $here/vax-boot-timer.py"
results=$tmp/results
: > "$results"
i=0
while [ "$i" -lt "$runs" ]; do
    i=$((i + 1))
    $timer trapeze -- "$trapeze" run microvax3900 --rom "$corpus/ka655x.bin" -m 64 \
        --nvram "$tmp/trapeze.nvr" -drive rq0="$images/quasdisk-installed.dsk" \
        -drive tq0="$images/quastape-min.tap" >> "$results" || true
    if command -v vax > /dev/null; then
        cp "$images/quasdisk-installed.dsk" "$tmp/simh.dsk"
        cat > "$tmp/simh.ini" <<INI
set cpu 64m
load -r $corpus/ka655x.bin
attach nvr $tmp/simh.nvr
set rq0 ra82
attach rq0 $tmp/simh.dsk
attach tq0 $images/quastape-min.tap
boot cpu
INI
        (cd "$tmp" && VAX_BOOT_LOG=$tmp/simh.log $timer simh -- vax "$tmp/simh.ini") >> "$results" || {
            echo "simh: its console output ends:" >&2
            tail -n 6 "$tmp/simh.log" | tr -d '\r' | sed 's/^/  /' >&2
            echo >&2
        }
    fi
done
# Means over the runs that reached each point ("-": never reached).
awk '
    { n[$1]++
      if ($2 != "-") { np[$1]++; p[$1] += $2 }
      if ($3 != "-") { ns[$1]++; s[$1] += $3 } }
    function mean(sum, cnt) { return cnt ? sprintf("%12.2f", sum / cnt) : sprintf("%12s", "-") }
    function ratio(a, na, b, nb) { return (na && nb) ? sprintf("%11.2fx", (a / na) / (b / nb)) : sprintf("%12s", "-") }
    END {
        printf "%-8s %12s %12s   (wall seconds, mean of %d run(s))\n", "", ">>>", "#", n["trapeze"]
        for (k in n) printf "%-8s %s %s\n", k, mean(p[k], np[k]), mean(s[k], ns[k])
        if (n["simh"])
            printf "simh/trapeze %s %s   (above 1: trapeze is faster)\n",
                ratio(p["simh"], np["simh"], p["trapeze"], np["trapeze"]),
                ratio(s["simh"], ns["simh"], s["trapeze"], ns["trapeze"])
        else print "simh: not installed (apt-get install simh), no comparison"
    }' "$results"
