# Detector benchmarks of bench/run-all (sourced in a subshell, after
# common.sh): imdsgate-detect on generated corpora (gzip S3 objects and
# JSON lines; 1M and 10M events; 10k and 1M sessions), against `cat` /
# `zcat` of the same files and bench/lockip.py, the Python baseline.
# Every run's finding count is checked against the corpus manifest.

CORPORA=$WORK/corpora
# name events sessions formats (one corpus a line)
DT_SPECS=${DT_SPECS:-"c1m-10k 1M 10k both
c1m-1m 1M 1M both
c10m-10k 10M 10k gz
c10m-1m 10M 1M gz"}
DT_BIG_RUNS=${DT_BIG_RUNS:-$RUNS}	# runs on the 10M corpora
PY_RUNS=${PY_RUNS:-1}			# runs of the Python baseline
DT_PREV=${DT_PREV:-}			# an earlier imdsgate-detect, run alongside

# dt_manifest NAME KEY: a number from the corpus manifest
dt_manifest() {
	sed -n "s/.*\"$2\":\([0-9.]*\).*/\1/p" "$CORPORA/$1/manifest.json" 2>/dev/null
}

# dt_corpus NAME EVENTS SESSIONS FORMAT: generate unless already there
dt_corpus() {
	local c=$CORPORA/$1
	if [ -f "$c/manifest.json" ]; then
		say "corpus $1: reusing $c"
		return 0
	fi
	say "corpus $1: generating $2 events, $3 sessions ($4)"
	rm -rf "$c"
	mkdir -p "$CORPORA"
	timed "$OUT/gen-$1" "$BUILD/bench/gen-cloudtrail" -n "$2" -m "$3" -f "$4" -o "$c"
	[ "$T_RC" = 0 ] || { note "gen-cloudtrail $1 failed: $(tail -1 "$OUT/gen-$1.err")"; rm -rf "$c"; return 1; }
	rec "gen.$1.wall" "$T_WALL"
}

# dt_base NAME FMT: the I/O (and decompression) floor: cat or zcat
dt_base() {
	local d=$CORPORA/$1/$2
	if [ "$2" = s3 ]; then
		timed "$OUT/base-$1-$2" sh -c 'find "$1" -type f -name "*.gz" -print0 |
			sort -z | xargs -0 zcat >/dev/null' sh "$d"
	else
		timed "$OUT/base-$1-$2" sh -c 'find "$1" -type f -print0 |
			sort -z | xargs -0 cat >/dev/null' sh "$d"
	fi
	rec "dt.$1.$2.base.wall" "$T_WALL"
	rec "dt.$1.$2.base.cpu" "$T_CPU"
}

# dt_check NAME FMT WHAT FILE: the findings are what the manifest says
dt_check() {
	local got want
	got=$(grep -c '"source_ip"' "$4")
	want=$(dt_manifest "$1" expected_findings)
	rec "dt.$1.$2.$3.findings" "$got"
	[ "$got" = "$want" ] || note "$3 on $1/$2: $got findings, manifest says $want"
}

dt_detect() {
	timed "$OUT/det-$1-$2" "$BUILD/imdsgate-detect" "$CORPORA/$1/$2"
	case $T_RC in 0|3) ;; *) note "imdsgate-detect $1/$2 exit $T_RC: $(tail -1 "$OUT/det-$1-$2.err")" ;; esac
	rec "dt.$1.$2.det.wall" "$T_WALL"
	rec "dt.$1.$2.det.cpu" "$T_CPU"
	rec "dt.$1.$2.det.rss" "$T_RSS"
	dt_check "$1" "$2" det "$OUT/det-$1-$2.out"
}

# dt_prev NAME FMT: the earlier build on the same files, in the same round
dt_prev() {
	[ -n "$DT_PREV" ] || return 0
	timed "$OUT/prev-$1-$2" "$DT_PREV" "$CORPORA/$1/$2"
	case $T_RC in 0|3) ;; *) note "previous imdsgate-detect $1/$2 exit $T_RC" ;; esac
	rec "dt.$1.$2.prev.wall" "$T_WALL"
	rec "dt.$1.$2.prev.cpu" "$T_CPU"
	rec "dt.$1.$2.prev.rss" "$T_RSS"
	rec "dt.$1.$2.prev.findings" "$(grep -c '"source_ip"' "$OUT/prev-$1-$2.out")"
}

dt_python() {
	timed "$OUT/py-$1-$2" python3 "$top_srcdir/bench/lockip.py" "$CORPORA/$1/$2"
	case $T_RC in 0|3) ;; *) note "lockip.py $1/$2 exit $T_RC: $(tail -1 "$OUT/py-$1-$2.err")" ;; esac
	rec "dt.$1.$2.py.wall" "$T_WALL"
	rec "dt.$1.$2.py.cpu" "$T_CPU"
	rec "dt.$1.$2.py.rss" "$T_RSS"
	dt_check "$1" "$2" py "$OUT/py-$1-$2.out"
}

# dt_profile NAME FMT: where the detector's time goes (perf, flat)
dt_profile() {
	command -v perf >/dev/null || return 0
	perf record -q -o "$OUT/perf-$1-$2.data" -- "$BUILD/imdsgate-detect" \
		"$CORPORA/$1/$2" >/dev/null 2>&1
	perf report -i "$OUT/perf-$1-$2.data" --stdio --no-children \
		--sort dso,sym 2>/dev/null | grep -E '^ +[0-9.]+%' | head -15 \
		>"$OUT/perf-$1-$2.txt"
	rm -f "$OUT/perf-$1-$2.data"
}

dt_corpus_runs() {
	local name=$1 fmt runs=$RUNS r
	case $name in c10m-*) runs=$DT_BIG_RUNS ;; esac
	for fmt in jsonl s3; do
		[ -d "$CORPORA/$name/$fmt" ] || continue
		rec "dt.$name.$fmt.events" "$(dt_manifest "$name" events)"
		find "$CORPORA/$name/$fmt" -type f -print0 |	# warm the cache
			xargs -0 cat >/dev/null
		for r in $(seq "$runs"); do
			say "detect $name/$fmt run $r/$runs"
			dt_base "$name" "$fmt"
			if [ $((r % 2)) = 1 ]; then	# alternate which goes first
				dt_prev "$name" "$fmt"; dt_detect "$name" "$fmt"
			else
				dt_detect "$name" "$fmt"; dt_prev "$name" "$fmt"
			fi
		done
	done
}

dt_main() {
	local name n m f
	[ -x "$BUILD/imdsgate-detect" ] || { note "no imdsgate-detect"; return 1; }
	while read -r name n m f; do
		[ "$QUICK" = 1 ] && case $name in c10m-*) continue ;; esac
		dt_corpus "$name" "$n" "$m" "$f" || continue
		dt_corpus_runs "$name"
	done <<<"$DT_SPECS"
	for f in jsonl s3; do
		for r in $(seq "$PY_RUNS"); do
			say "python baseline c1m-10k/$f run $r/$PY_RUNS"
			dt_python c1m-10k "$f"
		done
	done
	dt_profile c1m-10k jsonl
	dt_profile c1m-10k s3
	return 0
}
