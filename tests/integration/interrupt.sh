#!/usr/bin/env bash
# Ctrl-C during a long scan: crash runs interactively under tmux on the 20M-object bench32
# dump; memsim is interrupted mid-walk and must print a partial report marked INTERRUPTED,
# and the crash session must go on answering commands.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
"$top/samples/make-samples.sh" bench32 >/dev/null || { echo "interrupt: 0 passed, 1 failed"; exit 1; }
dir=$("$top/samples/make-samples.sh" --print-dir bench32)
vmlinux=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["vmlinux"])' "$dir/manifest.json")
session=memsim-interrupt-$$
out=$top/build/integration/interrupt.log
mkdir -p "$(dirname "$out")"
tmux new-session -d -s "$session" -x 200 -y 60 "crash -s $vmlinux $dir/vmcore.elf"
wait_for() {	# pattern, seconds
	local i
	for i in $(seq 1 $(($2 * 10))); do
		tmux capture-pane -p -t "$session" -S -200 | grep -q "$1" && return 0
		sleep 0.1
	done
	return 1
}
fail=0
check() { if eval "$1"; then echo "ok   interrupt: $2"; else echo "FAIL interrupt: $2"; fail=1; fi; }
wait_for '^crash>' 120
tmux send-keys -t "$session" "extend $top/extension/memsim.so" Enter
wait_for 'shared object loaded' 10
tmux send-keys -t "$session" "memsim -n 2 kmalloc-32" Enter
# Ctrl-C as soon as the walk reports progress (on a terminal it does, once a second): the
# whole scan takes under two seconds on an idle machine, so no fixed delay is safe.
wait_for 'of memory map' 30
tmux send-keys -t "$session" C-c
wait_for '^VERDICT' 60
tmux send-keys -t "$session" "kmem -s kmalloc-32" Enter
sleep 3
tmux capture-pane -p -t "$session" -S -200 >"$out"
# memsim -a, stopped the same way: the table covers what was walked, no suspect is scanned.
# The screen is reset too: the first scan's progress line must not answer the next wait_for.
tmux send-keys -t "$session" -R
tmux clear-history -t "$session"
tmux send-keys -t "$session" "memsim -a" Enter
wait_for 'of memory map' 30
tmux send-keys -t "$session" C-c
wait_for 'caches hold no allocated object' 60
tmux send-keys -t "$session" "kmem -s kmalloc-32" Enter
sleep 3
tmux capture-pane -p -t "$session" -S -200 >"$out.a"
tmux kill-session -t "$session" 2>/dev/null
check 'grep -q "INTERRUPTED" "$out"' "the report says INTERRUPTED"
alloc=$(awk '/^CACHE/{getline; print $3; exit}' "$out")
check '[ -n "$alloc" ] && [ "$alloc" -lt 20000000 ]' "counts cover part of the cache ($alloc of 20000506 allocated)"
check 'grep -q "^VERDICT" "$out"' "a partial report is printed"
check 'grep -A1 "^crash> kmem -s kmalloc-32" "$out" | grep -q "^CACHE"' "the crash session goes on after Ctrl-C"
check 'grep -q "^SLAB CACHES: .*INTERRUPTED" "$out.a"' "memsim -a: the table says INTERRUPTED"
check '! grep -q "^SUSPECT" "$out.a"' "memsim -a: no suspect is scanned after Ctrl-C"
check 'grep -A1 "^crash> kmem -s kmalloc-32" "$out.a" | grep -q "^CACHE"' "memsim -a: the crash session goes on"
[ $fail -eq 0 ] && echo "interrupt: 1 passed, 0 failed" || { cat "$out" "$out.a"; echo "interrupt: 0 passed, 1 failed"; }
exit $fail
