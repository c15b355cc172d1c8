# sfc — service function chaining dataplane.
#   make demo   install what is needed, build, and run the lab demo (docs/DEMO.md)
#   make test   install what is needed, build, and run every test
# Both work on a fresh Debian 12 machine as root.

SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
CONFIG ?= Chains/hospital-edge.yaml
BUILD_FLAGS ?=

# Debian packages: tshark and scapy are the external oracles of the tests;
# DPDK, libbpf and libelf are what the dataplanes build on; nftables,
# iproute2, iputils-ping, ethtool, procps and util-linux (nsenter) run the
# end-to-end tests' namespaces; openvswitch-switch is the independent NSH peer
# of the interop tests, curl the demo's HTTP client (and the metrics tests'
# client of Prometheus's API); prometheus is the real server that scrapes the
# forwarder's /metrics in the tests, and its promtool checks the exposition;
# valgrind counts instructions per packet for the regression guard (binutils:
# objcopy, which gives it binaries without the DWARF 5 it cannot read);
# conntrackd synchronises the connection tracking of the stateful firewall
# pair of the failover tests and the demo's failover scene, and conntrack
# shows it.
DEB_PACKAGES := tshark python3-scapy python3-yaml libdpdk-dev dpdk-dev libbpf-dev libelf-dev libpcap-dev \
                bpftool nftables iproute2 iputils-ping ethtool procps util-linux openvswitch-switch curl prometheus \
                valgrind binutils conntrack conntrackd

.PHONY: all deps build test test-sanitize demo check clean bench bpf fuzz fuzz-build soak

# The XDP programs (BPF/*.c), compiled for the bpf target with BTF. Debian's
# clang is not required: the Swift toolchain's clang targets bpf too.
BPF_CC ?= $(shell command -v clang 2>/dev/null || echo /opt/swift/usr/bin/clang)
BPF_OUT ?= .build/bpf
BPF_SOURCES := $(wildcard BPF/*.c)
BPF_OBJECTS := $(patsubst BPF/%.c,$(BPF_OUT)/%.o,$(BPF_SOURCES))
BPF_HEADERS := $(wildcard BPF/*.h BPF/behaviors/*.h BPF/include/*.h)
BPF_CFLAGS := -target bpf -g -O2 -Wall -Werror -IBPF/include -I/usr/include/$(shell gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)

$(BPF_OUT)/%.o: BPF/%.c $(BPF_HEADERS)
	@mkdir -p $(BPF_OUT)
	$(BPF_CC) $(BPF_CFLAGS) -c $< -o $@

bpf: deps $(BPF_OBJECTS)

all: build

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)
	@scripts/mount-bpffs.sh

build: deps bpf
	$(SWIFT) build -c release $(BUILD_FLAGS)

# Every test, then the deterministic regression guard: instructions per
# packet of every benchmark case (callgrind over the release build) and the
# XDP program's verified instructions and size, held to bench/budget.json
# (scripts/instruction-guard.py; bench/README.md); and the fuzz targets over
# their seeds; last, ThreadSanitizer over the suites that run on more than
# one thread (issue 15: CI runs the threaded parts). `make test-sanitize`,
# below, adds AddressSanitizer + UBSan.
test: deps bpf
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)
	$(SWIFT) build -c release --product sfc-bench $(BUILD_FLAGS)
	python3 scripts/instruction-guard.py "$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/sfc-bench"
	$(MAKE) fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD)/$(FUZZ_CONFIG)/sfc-fuzz runs=$(FUZZ_TEST_RUNS)
	SWIFT=$(SWIFT) scripts/sanitize.sh thread

# Sanitizers (README "Sanitizers"): AddressSanitizer + UndefinedBehaviorSanitizer
# (C shims) over every test target that does not load DPDK, then
# ThreadSanitizer over the threaded suites, DPDK lcores included; each in its
# own build directory (.build-asan, .build-tsan), each first proving with a
# canary that it reports and aborts. Zero reports, or the target fails.
test-sanitize: deps bpf
	SWIFT=$(SWIFT) scripts/sanitize.sh address
	SWIFT=$(SWIFT) scripts/sanitize.sh thread

# Fuzzing (Sources/SFCFuzz, Sources/sfc-fuzz): libFuzzer with
# AddressSanitizer in its own build directory. `make fuzz` runs every target
# for FUZZ_SECONDS; `make test` replays the seed corpora (SFCFuzzTests) and
# runs each target over FUZZ_TEST_RUNS inputs from a fixed seed.
# FUZZ_CONFIG=release (still AddressSanitizer) runs about twice the inputs a
# second of the debug build; FUZZ_TARGETS="chain-file pipeline" runs only those.
FUZZ_BUILD ?= .build-fuzz
FUZZ_CONFIG ?= debug
FUZZ_SECONDS ?= 300
FUZZ_TEST_RUNS ?= 20000
FUZZ_TARGETS ?=
fuzz-build:
	SFC_FUZZ=1 $(SWIFT) build --build-path $(FUZZ_BUILD) -c $(FUZZ_CONFIG) --product sfc-fuzz
fuzz: deps fuzz-build
	scripts/fuzz.sh $(FUZZ_BUILD)/$(FUZZ_CONFIG)/sfc-fuzz $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The main job (docs/DEMO.md): sfc-lab turns $(LAB_CONFIG) into a lab of
# network namespaces (client, server, the forwarder, an nftables firewall, an
# inspection function, a load-balanced pair, a kernel seg6local End), runs
# ping, TCP and HTTP through it on the $(DATAPLANE) dataplane (xdp, or dpdk on
# net_af_packet), prints the report and tears it all down. Then two scenes,
# each with a timeline (text chart; SVG in $(REPORT_DIR)): `scale`, a load
# ramp through $(SCALE_CONFIG)'s load-balanced function while sfc-lab's VNF
# manager scales it out and back in; `failover`, $(FAILOVER_CONFIG)'s
# stateful firewall pair, the active one killed mid-transfer, with and
# without conntrackd. Every scene runs; the target fails if one did.
DATAPLANE ?= xdp
LAB_CONFIG ?= Chains/hospital-lab.yaml
SCALE_CONFIG ?= Chains/scale-lab.yaml
FAILOVER_CONFIG ?= Chains/failover-lab.yaml
REPORT_DIR ?= lab-report
SFC_LAB = "$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/sfc-lab"
demo: build
	@status=0; \
	$(SFC_LAB) demo --config $(LAB_CONFIG) --dataplane $(DATAPLANE) || status=1; \
	$(SFC_LAB) demo --scene scale --config $(SCALE_CONFIG) --dataplane $(DATAPLANE) --report-dir $(REPORT_DIR) || status=1; \
	$(SFC_LAB) demo --scene failover --config $(FAILOVER_CONFIG) --dataplane $(DATAPLANE) --report-dir $(REPORT_DIR) || status=1; \
	exit $$status

# The soak (README "Soak"; never part of `make test`): sfc-lab soak builds
# $(SOAK_CONFIG)'s lab (namespaces sfc-soak-*) and runs the forwarder on each
# dataplane of $(SOAK_DATAPLANE) in turn for $(SOAK_MINUTES) minutes under
# steady UDP, a reload every second, status/counters/metrics queried all the
# time and a relay losing its links every 20 s; a table a minute on stdout,
# JSON in bench/results/soak-DATAPLANE.json. Fails if a criterion failed on
# one dataplane. The XDP object is looked up at <bin>/../../bpf: with
# BUILD_FLAGS="--build-path DIR" give BPF_OUT=DIR/bpf too.
SOAK_MINUTES ?= 10
SOAK_DATAPLANE ?= xdp dpdk
SOAK_CONFIG ?= Chains/soak-lab.yaml
soak: deps bpf
	$(SWIFT) build -c release $(BUILD_FLAGS) --product sfc-forwarder
	$(SWIFT) build -c release $(BUILD_FLAGS) --product sfc-lab
	@mkdir -p bench/results; status=0; \
	for dp in $(SOAK_DATAPLANE); do \
		$(SFC_LAB) soak --config $(SOAK_CONFIG) --dataplane $$dp --minutes $(SOAK_MINUTES) \
			--json-out bench/results/soak-$$dp.json || status=1; \
	done; exit $$status

check: build
	"$$($(SWIFT) build -c release --show-bin-path)/chain-trace" check Chains/*.yaml

# The DPDK benchmark (issue 3 section 4; dpdk-testpmd from dpdk-dev is its
# baseline), then the XDP one: several minutes, as root, never part of `make
# test`. 64- and 512-byte frames (BENCH_FRAME_SIZES), goals from
# bench/goals.json, instructions per packet from callgrind (reusing make
# test's bench/results/instructions.json when it is newer than the binary).
# Writes bench/results/{dpdk,xdp}.json and prints tables; see bench/README.md.
bench: deps bpf
	$(SWIFT) build -c release $(BUILD_FLAGS)
	scripts/bench-dpdk.sh "$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/sfc-bench" bench/results/dpdk.json
	scripts/bench-xdp.sh "$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/sfc-bench" \
		"$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/sfc-forwarder" bench/results/xdp.json
	"$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/chain-trace" bench-compile --rules 100000 | tee bench/results/compile.json
	"$$($(SWIFT) build -c release $(BUILD_FLAGS) --show-bin-path)/sfc-forwarder" bench-control --rules 1000,10000,100000 \
		--xdp-config Chains/hospital-edge.yaml --bpf-object $(BPF_OUT)/sfc_xdp.o | tee bench/results/control.json

clean:
	rm -rf .build .build-* .build_*
