# The README's commands. Each target installs what is missing first (scripts/setup.sh).
.PHONY: setup build test demo bench soak

# rustup's tools, wherever the calling shell's PATH stands.
export PATH := $(HOME)/.cargo/bin:$(PATH)

setup:
	bash scripts/setup.sh

build: setup
	bash scripts/build.sh

test: build
	bash scripts/test.sh

demo: build
	node scripts/serve.mjs 8787

bench: build
	node --expose-gc bench/run.mjs

# The tiered-engine simulation at length: 32 seeds of 500 000 operations (about 20 minutes).
soak: build
	SIM_OPS=500000 SIM_SEEDS=32 node --test tests/js/node/simulation.test.mjs
