# Shared by scripts/setup, scripts/lock and scripts/test: the pinned uv and Python 3.13.
# shellcheck shell=bash

UV_VERSION=0.13.9

find_python() {
    local pyenv_python
    if command -v pyenv >/dev/null 2>&1; then
        pyenv_python="$(pyenv root)/versions/3.13.0/bin/python3.13"
        if [[ -x "$pyenv_python" ]]; then
            echo "$pyenv_python"
            return
        fi
    fi
    if command -v python3.13 >/dev/null 2>&1; then
        command -v python3.13
        return
    fi
    echo "Python 3.13 not found (pyenv 3.13.0 or python3.13 on PATH)" >&2
    exit 1
}

# ensure_uv: print the path of uv $UV_VERSION, installed into .venv-tools on first use.
ensure_uv() {
    local tools=.venv-tools
    if [[ ! -x "$tools/bin/uv" ]] || [[ "$("$tools/bin/uv" --version | cut -d' ' -f2)" != "$UV_VERSION" ]]; then
        echo "installing uv $UV_VERSION into $tools" >&2
        "$(find_python)" -m venv "$tools"
        "$tools/bin/python" -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION" 2>/dev/null
    fi
    echo "$tools/bin/uv"
}
