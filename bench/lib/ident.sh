# Cost per connection of caller identity and of rule matching (sourced in
# a subshell by bench/run-all): runs the programs their owners wrote,
# bench/peer_bench (sock_diag + /proc lookup among 1,000 processes) and
# bench/rules_bench (10 and 1,000 rules), and records their medians.

ID_NPROC=${ID_NPROC:-1000}

id_rules() {
	local f=$OUT/rules_bench.txt
	"$BUILD/bench/rules_bench" >"$f" 2>&1 || { note "rules_bench failed"; return; }
	sed -n 's/^rules_bench: *\([0-9]*\) rules: median \([0-9.]*\) ns.*/\1 \2/p' "$f" |
	while read -r n ns; do rec "id.rules.$n.ns" "$ns"; done
}

id_peer() {
	local f=$OUT/peer_bench.txt
	"$BUILD/bench/peer_bench" -n "$ID_NPROC" >"$f" 2>&1 || { note "peer_bench failed"; return; }
	awk '/us\/lookup/ {
		for (i = 1; i <= NF; i++) if ($i == "us/lookup") break
		v = $(i - 1); $0 = substr($0, 1, index($0, v) - 1)
		gsub(/^ +| +$/, ""); gsub(/[^a-z0-9]+/, "_"); sub(/_$/, "")
		print $0, v }' "$f" |
	while read -r k v; do rec "id.peer.$k.us" "$v"; done
}

id_main() {
	for p in rules_bench peer_bench; do
		[ -x "$BUILD/bench/$p" ] || make -C "$BUILD" "bench/$p" >/dev/null 2>&1 ||
			{ note "bench/$p could not be built"; }
	done
	[ -x "$BUILD/bench/rules_bench" ] && id_rules
	[ -x "$BUILD/bench/peer_bench" ] && id_peer
	return 0
}
