# The office desk: Mousepad with HOME's text files, then, once its window is mapped, Gnumeric with HOME's
# workbooks (so Gnumeric's window is in front at the start). The desk ends as soon as either app exits.
set -u
shopt -s nullglob
cd "$HOME"
texts=(*.txt)
books=(*.gnumeric)
mousepad "${texts[@]}" &
xdotool search --sync --onlyvisible --classname mousepad >/dev/null
gnumeric --no-splash "${books[@]}" &
wait -n
