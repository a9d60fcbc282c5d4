# Helpers shared by bench/run-all and its parts (sourced): raw results as
# "key<TAB>value" lines in $RAW, one line per run, and their medians.

say() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

# rec KEY VALUE: one measurement (a run) of KEY
rec() { printf '%s\t%s\n' "$1" "$2" >>"$RAW"; }

# note TEXT: a line for the report's notes (errors, skipped parts)
note() { printf '%s\n' "$*" >>"$NOTES"; say "note: $*"; }

# med KEY: the median of KEY's runs ("-" when there is none)
med() {
	awk -F '\t' -v k="$1" '$1 == k { v[n++] = $2 }
	END {
		if (n == 0) { print "-"; exit }
		for (i = 1; i < n; i++)		# insertion sort: a few values
			for (j = i; j > 0 && v[j-1] + 0 > v[j] + 0; j--) {
				t = v[j]; v[j] = v[j-1]; v[j-1] = t
			}
		print (n % 2) ? v[(n-1)/2] : (v[n/2-1] + v[n/2]) / 2
	}' "$RAW"
}

# nruns KEY: how many runs KEY has
nruns() { awk -F '\t' -v k="$1" '$1 == k { n++ } END { print n + 0 }' "$RAW"; }

# fmt DIGITS VALUE: round, or "-" for a missing value
fmt() {
	case "$2" in ''|-|nan|inf) echo "-" ;;
	*) awk -v d="$1" -v v="$2" 'BEGIN { printf "%.*f\n", d, v }' ;; esac
}

# ratio A B: A/B with 2 decimals, "-" if either is missing or B is 0
ratio() {
	case "$1$2" in *-*|'') echo "-"; return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "-"; else printf "%.2f\n", a / b }'
}

# cpu_ticks PID: utime + stime of a process, in clock ticks
cpu_ticks() {
	awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null || echo 0
}

# rss_kb PID [FIELD]: VmRSS (or VmHWM) of a process, in KiB
rss_kb() {
	awk -v f="${2:-VmRSS}:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# timed OUTPUT-PREFIX CMD...: run CMD under /usr/bin/time; sets T_WALL,
# T_CPU (user+sys seconds), T_RSS (peak KiB) and T_RC
timed() {
	local pfx=$1; shift
	/usr/bin/time -f '%e %U %S %M' -o "$pfx.time" "$@" >"$pfx.out" 2>"$pfx.err"
	T_RC=$?
	read -r T_WALL T_U T_S T_RSS <"$pfx.time" 2>/dev/null ||
		{ T_WALL=-; T_U=0; T_S=0; T_RSS=-; }
	# /usr/bin/time prefixes a line when the command exits non-zero
	if ! [[ $T_WALL =~ ^[0-9.]+$ ]]; then
		read -r T_WALL T_U T_S T_RSS < <(tail -1 "$pfx.time")
	fi
	T_CPU=$(awk -v u="$T_U" -v s="$T_S" 'BEGIN { print u + s }')
}
