# sfc — service function chaining dataplane.
#   make demo   install what is needed, build, and walk the built-in demo chains
#   make test   install what is needed, build, and run every test
# Both work on a fresh Debian 12 machine as root.

SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
CONFIG ?= Chains/hospital-edge.yaml
BUILD_FLAGS ?=

# Debian packages: tshark and scapy are the external oracles of the tests;
# DPDK, libbpf and libelf are what the dataplanes build on; nftables,
# iproute2, iputils-ping, ethtool and procps run the end-to-end test's namespaces.
DEB_PACKAGES := tshark python3-scapy python3-yaml libdpdk-dev libbpf-dev libelf-dev libpcap-dev \
                bpftool nftables iproute2 iputils-ping ethtool procps

.PHONY: all deps build test demo check clean

all: build

deps:
	@scripts/install-deps.sh $(DEB_PACKAGES)

build: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

# Until the forwarder daemon lands, the main job validates every chain file
# and traces one packet through each chain of $(CONFIG).
demo: build
	@scripts/demo.sh "$$($(SWIFT) build -c release --show-bin-path)/chain-trace" "$(CONFIG)"

check: build
	"$$($(SWIFT) build -c release --show-bin-path)/chain-trace" check Chains/*.yaml

clean:
	rm -rf .build .build-* .build_*
