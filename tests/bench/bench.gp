# docs/bench.svg from build/bench/plot.dat (report.py): end-to-end objects/s and crash's peak
# RSS growth against the objects in kmalloc-32, one point per bench dump.
#
#   gnuplot -e "data='build/bench/plot.dat'; svg='docs/bench.svg'" tests/bench/bench.gp
#
# plot.dat rows: name, objects (M), end-to-end objects/s (M), RSS growth (MB); block 0 is the
# leak series (bench32, bench32-100m), block 1 the patterns and mixed dumps, marked apart
# (open markers under the series: they share its 20 M point).
set terminal svg size 900,420 font "sans,12" background "white"
set output svg
set multiplot layout 1,2 title "memsim end to end on kmalloc-32 (walk and clustering)"
set xlabel "objects in the cache (millions)"
stats data using 2 nooutput
set xrange [0:STATS_max * 1.2]
set grid
set key bottom right box opaque font "sans,10"
is(n, want) = (n eq want)

set title "objects/s end to end"
set ylabel "million objects/s (log)"
set logscale y
set yrange [*:*]
plot 30 with lines dashtype 2 lc rgb "#1a7f37" title "target 30 M/s", \
	data index 1 using 2:(is(strcol(1), "bench32-patterns") ? $3 : NaN) with points pt 8 ps 2 lw 2 \
		lc rgb "#8250df" title "1 M patterns", \
	data index 1 using 2:(is(strcol(1), "bench32-mixed") ? $3 : NaN) with points pt 10 ps 2 lw 2 \
		lc rgb "#bf8700" title "leak amid mixed", \
	data index 0 using 2:3 with linespoints pt 7 ps 1.2 lc rgb "#0969da" title "kmalloc32-fn leak"

set title "crash peak RSS growth"
set ylabel "MB"
unset logscale y
set yrange [0:*]
set offsets 0, 0, graph 0.15, 0
plot 100 with lines dashtype 2 lc rgb "#cf222e" title "target 100 MB", \
	data index 1 using 2:(is(strcol(1), "bench32-patterns") ? $4 : NaN) with points pt 8 ps 2 lw 2 \
		lc rgb "#8250df" title "1 M patterns", \
	data index 1 using 2:(is(strcol(1), "bench32-mixed") ? $4 : NaN) with points pt 10 ps 2 lw 2 \
		lc rgb "#bf8700" title "leak amid mixed", \
	data index 0 using 2:4 with linespoints pt 7 ps 1.2 lc rgb "#0969da" title "kmalloc32-fn leak"
unset multiplot
