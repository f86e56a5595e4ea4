#!/usr/bin/env bash
# End-to-end performance bench: generates a corpus, times `policy-coder code` with 1 and 2
# threads, `policy-coder diffuse` on the 2-thread results, bare jieba-rs segmentation of the
# same text (alone, and after the decoding, normalisation and unit segmentation every output
# needs), and (when `import jieba` works)
# a Python jieba baseline; prints throughput, peak RSS and the ratios.
#
#   bash bench/run.sh [SIZE] [WORKDIR]     (defaults: 200MB, target/bench)
#   ROUNDS=3 bash bench/run.sh             (the timed runs repeated, interleaved; medians printed)
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-200MB}
WORK=${2:-target/bench}
PY_LIMIT_MB=${PY_LIMIT_MB:-20}
ROUNDS=${ROUNDS:-1}
cargo build --release -q --bin policy-coder --bin gen-corpus --example jieba_cut
BIN=target/release/policy-coder
CORPUS="$WORK/corpus-$SIZE"
mkdir -p "$WORK"
if [ ! -f "$CORPUS/metadata.csv" ]; then
  rm -rf "$CORPUS"
  target/release/gen-corpus --size "$SIZE" --out "$CORPUS" --seed 7
fi
MB=$(find "$CORPUS" -name '*.txt' -printf '%s\n' | awk '{s+=$1} END {printf "%.1f", s/1e6}')
DOCS=$(find "$CORPUS" -name '*.txt' | wc -l)

timed() { # timed OUTFILE CMD... → prints "seconds maxrss_kb"
  local out=$1; shift
  /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>"$out.stderr" || { cat "$out.stderr"; exit 1; }
  cat "$out"
}

echo "machine: $(nproc) cores, $(awk '/model name/ {sub(/.*: /, ""); print; exit}' /proc/cpuinfo)"
echo "corpus: $CORPUS ($DOCS documents, $MB MB)"

# Every timed run reads the corpus from the page cache: a corpus left from an earlier
# session would otherwise be read from disk by the first run only.
find "$CORPUS" -type f -exec cat {} + >/dev/null

# Start-up: code one small document (codebook load + compile + jieba dictionary + outputs).
TINY="$WORK/tiny"; rm -rf "$TINY" "$WORK/out-tiny"; mkdir -p "$TINY"
cp "$(find corpus-samples -name '*.txt' | sort | head -1)" "$TINY/"

# One thread is pinned to one core (the writer thread would otherwise use the second).
# With ROUNDS > 1 every timed run (start-up, code with 1 and 2 threads, bare jieba, the
# floor, Python) is repeated in turn, so that a slow spell of a shared machine falls on all
# of them; each figure is then the median of its runs.
PIN=""; command -v taskset >/dev/null 2>&1 && PIN="taskset -c 0"
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
declare -A SEC RSS
declare -a ALL1=() ALL2=() ALLJ=() ALLU=() ALLP=() ALLS=() ALLD=()
HAVE_PY=""; python3 -c 'import jieba' 2>/dev/null && HAVE_PY=1
RSS[1]=0; RSS[2]=0; RSS[d]=0
for round in $(seq "$ROUNDS"); do
  rm -rf "$WORK/out-tiny"
  read -r s _ < <(timed "$WORK/time-tiny" "$BIN" code "$TINY" --out "$WORK/out-tiny" --quiet)
  ALLS+=("$s")
  for t in 1 2; do
    rm -rf "$WORK/out-$t"
    if [ "$t" = 1 ]; then pin=$PIN; else pin=""; fi
    read -r s rss < <(timed "$WORK/time-$t" $pin "$BIN" code "$CORPUS" --out "$WORK/out-$t" --threads "$t" --quiet)
    if [ "$t" = 1 ]; then ALL1+=("$s"); else ALL2+=("$s"); fi
    [ "$rss" -gt "${RSS[$t]}" ] && RSS[$t]=$rss
  done
  rm -rf "$WORK/out-diffuse"
  read -r s rss < <(timed "$WORK/time-diffuse" "$BIN" diffuse "$WORK/out-2" --out "$WORK/out-diffuse")
  ALLD+=("$s")
  [ "$rss" -gt "${RSS[d]}" ] && RSS[d]=$rss
  JIEBA_LINE=$($PIN target/release/examples/jieba_cut "$CORPUS")
  ALLJ+=("$(echo "$JIEBA_LINE" | sed -E 's/.*\(([0-9.]+) MB\/s.*/\1/')")
  UNITS_LINE=$($PIN target/release/examples/jieba_cut "$CORPUS" --units)
  ALLU+=("$(echo "$UNITS_LINE" | sed -E 's/.*\(([0-9.]+) MB\/s.*/\1/')")
  if [ -n "$HAVE_PY" ]; then
    PY_LINE=$(python3 bench/baseline.py "$CORPUS" codebooks/return-migrant-entrepreneurship.toml "$PY_LIMIT_MB" 2>/dev/null)
    ALLP+=("$(echo "$PY_LINE" | sed -E 's/.*\(([0-9.]+) MB\/s.*/\1/')")
  fi
done
SEC[1]=$(median "${ALL1[@]}"); SEC[2]=$(median "${ALL2[@]}"); SEC[d]=$(median "${ALLD[@]}")
JIEBA_MBS=$(median "${ALLJ[@]}"); FLOOR_MBS=$(median "${ALLU[@]}"); START=$(median "${ALLS[@]}")
if [ "$ROUNDS" -gt 1 ]; then
  echo "runs (seconds): 1 thread ${ALL1[*]}; 2 threads ${ALL2[*]}; diffuse ${ALLD[*]}; bare jieba MB/s ${ALLJ[*]}; floor MB/s ${ALLU[*]}; Python MB/s ${ALLP[*]}; start-up s ${ALLS[*]}"
fi
UNITS=$(grep -m1 '"units"' "$WORK/out-1/summary.json" | tr -dc '0-9')
PY_MBS=""
if [ -n "$HAVE_PY" ]; then
  PY_MBS=$(median "${ALLP[@]}")
else
  PY_LINE="python baseline skipped: python3 -c 'import jieba' fails (pip install jieba)"
fi

awk -v mb="$MB" -v docs="$DOCS" -v units="$UNITS" -v s1="${SEC[1]}" -v s2="${SEC[2]}" \
    -v r1="${RSS[1]}" -v r2="${RSS[2]}" -v sd="${SEC[d]}" -v rd="${RSS[d]}" -v jb="$JIEBA_MBS" -v fl="$FLOOR_MBS" -v py="$PY_MBS" -v start="$START" 'BEGIN {
  printf "\n| run | seconds | MB/s | documents/s | units/s | peak RSS MB |\n|---|---:|---:|---:|---:|---:|\n"
  printf "| policy-coder code, 1 thread (1 core) | %.2f | %.1f | %.0f | %.0f | %.0f |\n", s1, mb/s1, docs/s1, units/s1, r1/1024
  printf "| policy-coder code, 2 threads | %.2f | %.1f | %.0f | %.0f | %.0f |\n", s2, mb/s2, docs/s2, units/s2, r2/1024
  printf "| policy-coder diffuse on those results, 2 threads | %.2f | %.1f | %.0f | %.0f | %.0f |\n", sd, mb/sd, docs/sd, units/sd, rd/1024
  printf "| bare jieba-rs cut, 1 thread | %.2f | %.1f | | | |\n", mb/jb, jb
  printf "| floor: read, normalise, segment, cut each unit (no coding or outputs), 1 thread | %.2f | %.1f | | | |\n", mb/fl, fl
  if (py != "") printf "| Python jieba.lcut + term counts (first %s MB) | | %.2f | | | |\n", ENVIRON["PY_LIMIT_MB"] ? ENVIRON["PY_LIMIT_MB"] : 20, py
  printf "\nratios: 1 thread / bare jieba = %.2f (target >= 0.70); 2 threads / 1 thread = %.2f (target >= 1.7)", (mb/s1)/jb, s1/s2
  printf "; floor / bare jieba = %.2f", fl/jb
  printf "; diffuse / code 2 threads = %.2f (target <= 1)", sd/s2
  if (py != "") printf "; 1 thread / Python = %.1fx (target >= 25)", (mb/s1)/py
  printf "\nstart-up (one small document, all outputs): %.0f ms (target <= 200)\n", start*1000
}'
echo "$JIEBA_LINE"
echo "$UNITS_LINE"
echo "$PY_LINE"
